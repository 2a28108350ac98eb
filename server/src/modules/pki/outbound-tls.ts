/**
 * "Enable certificate validation": whether Garrison's outbound TLS (syslog over
 * TLS, SMTP, webhooks) checks the receiver's certificate. On by default. When
 * on, a receiver whose certificate does not verify (unknown CA, wrong name,
 * expired) is not sent anything and the delivery says why; when off, the
 * connection is still encrypted but the receiver is not authenticated.
 *
 * Stored in the database (`consoleSettings`, `_id: 'outbound-tls-validation'`).
 * Transports call `outboundTlsOptions(trustedCaPem)` when they open a
 * connection and spread the result into their TLS options:
 *
 *   tls.connect({ ...TLS_POLICY, host, port, ...outboundTlsOptions(config.trustedCaPem) })
 *
 * It is synchronous on purpose (it sits inside connection set-up code), so it
 * reads a process-wide copy of the setting that the pki module loads at start,
 * updates on change and re-reads every REFRESH_MS (other instances may change
 * it). Process-local state, by design: one console per process.
 *
 * A change is published as 'pki.outbound-validation-changed': transports that
 * keep connections open (syslog, pooled SMTP) should close them on it, since
 * the setting applies when a connection is opened.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Collection, Db } from 'mongodb';
import type { EventBus } from '../../platform/event-bus.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import type { Acting } from '../users/accounts/users-service.js';

export const OUTBOUND_VALIDATION_ID = 'outbound-tls-validation';
const SETTINGS_COLLECTION = 'consoleSettings';
const REFRESH_MS = 15_000;

export type OutboundTlsOptions = Pick<ConnectionOptions, 'rejectUnauthorized' | 'ca'>;

let validationEnabled = true;

declare module '../../platform/event-bus.js' {
  interface DomainEvents {
    'pki.outbound-validation-changed': { enabled: boolean };
  }
}

/**
 * The TLS options every outbound client adds: `rejectUnauthorized` from the
 * console setting, and the receiver's CA when the configuration names one
 * (the system trust store otherwise).
 */
export function outboundTlsOptions(trustedCaPem: string | null | undefined): OutboundTlsOptions {
  return { rejectUnauthorized: validationEnabled, ...(trustedCaPem ? { ca: trustedCaPem } : {}) };
}

interface ValidationDocument {
  _id: string;
  enabled: boolean;
  updatedAt: Date;
  updatedBy: string;
}

export interface OutboundValidationView {
  enabled: boolean;
  updatedAt: string | null;
  updatedBy: string | null;
}

export class OutboundTlsPolicy {
  private readonly settings: Collection<ValidationDocument>;
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    db: Db,
    private readonly audit: () => AuditTrail,
    private readonly events: EventBus,
    private readonly logger: Logger,
  ) {
    this.settings = db.collection<ValidationDocument>(SETTINGS_COLLECTION);
  }

  async start(): Promise<void> {
    await this.get();
    this.refreshTimer = setInterval(() => {
      this.get().catch((error: unknown) => this.logger.warn({ err: error }, 'could not re-read the outbound certificate validation setting'));
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
  }

  async get(): Promise<OutboundValidationView> {
    const stored = await this.settings.findOne({ _id: OUTBOUND_VALIDATION_ID });
    this.use(stored?.enabled ?? true);
    return { enabled: validationEnabled, updatedAt: stored?.updatedAt.toISOString() ?? null, updatedBy: stored?.updatedBy ?? null };
  }

  async set(enabled: boolean, acting: Acting): Promise<OutboundValidationView> {
    const before = await this.get();
    const updatedAt = new Date();
    await this.settings.updateOne({ _id: OUTBOUND_VALIDATION_ID }, { $set: { enabled, updatedAt, updatedBy: acting.actor.name } }, { upsert: true });
    this.use(enabled);
    const after: OutboundValidationView = { enabled, updatedAt: updatedAt.toISOString(), updatedBy: acting.actor.name };
    if (!enabled) this.logger.warn({ by: acting.actor.name }, 'outbound TLS certificate validation turned OFF: receivers are no longer authenticated');
    await this.audit().record({
      ...acting,
      action: 'pki.outbound-validation-changed',
      target: { kind: 'setting', id: OUTBOUND_VALIDATION_ID, name: 'Enable certificate validation' },
      outcome: 'success',
      before: { enabled: before.enabled },
      after: { enabled },
    });
    return after;
  }

  private use(enabled: boolean): void {
    if (enabled === validationEnabled) return;
    validationEnabled = enabled;
    this.events.publish('pki.outbound-validation-changed', { enabled });
  }
}
