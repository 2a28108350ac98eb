/**
 * Audit records of fleet changes made through the API. The audit module is
 * optional to the fleet (it may not be installed in a stripped-down console or a
 * test), so it is looked up when a record is written, not when the fleet starts.
 * When it is there, a failed record fails the request: no change goes unaudited
 * silently.
 */
import type { Request } from 'express';
import type { ServiceRegistry } from '../../platform/console-module.js';
import type { AuditTarget } from '../audit/audit-chain.js';
import { auditContextOf } from '../audit/audit-request.js';
import type { AuditTrail } from '../audit/audit-trail.js';

export interface FleetAuditEntry {
  action: string;
  target: AuditTarget;
  before?: unknown;
  after?: unknown;
  reason?: string;
}

export type FleetAudit = (req: Request, entry: FleetAuditEntry) => Promise<void>;

function auditTrailOf(services: ServiceRegistry): AuditTrail | null {
  try {
    return services.get('audit');
  } catch {
    return null;
  }
}

export function fleetAudit(services: ServiceRegistry): FleetAudit {
  return async (req, entry) => {
    const audit = auditTrailOf(services);
    if (!audit) return;
    await audit.record({ ...auditContextOf(req), outcome: 'success', ...entry });
  };
}
