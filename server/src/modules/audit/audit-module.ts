/**
 * The audit module: provides the `audit` service (see audit-trail.ts) to every
 * other module and serves /api/v1/audit.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import type { AuditRecordDocument } from './audit-chain.js';
import { AuditQueries } from './audit-queries.js';
import { auditRoutes } from './audit-routes.js';
import { AUDIT_COLLECTION, AuditTrail } from './audit-trail.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    audit: AuditTrail;
  }
}

export function createAuditModule(context: ConsoleContext): ConsoleModule {
  const collection = context.db.collection<AuditRecordDocument>(AUDIT_COLLECTION);
  const logger = context.logger.child({ module: 'audit' });
  const audit = new AuditTrail(collection, logger);
  context.services.provide('audit', audit);
  return {
    name: 'audit',
    apiRouters: [auditRoutes(context.apiRoutes, new AuditQueries(collection), audit, logger)],
  };
}
