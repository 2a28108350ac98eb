/**
 * The notifications module: system events, forwarding rules, the outbox and its
 * worker, and /api/v1/notifications. Provides the `notifications` service.
 *
 * Options exist for tests and benchmarks (worker timing, thresholds, a paused
 * worker to prove pending deliveries survive a restart); the console uses the
 * defaults.
 */
import os from 'node:os';
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { ActionRegistry } from './actions/action-registry.js';
import { createEmailAction } from './actions/email.js';
import { createSnmpTrapAction } from './actions/snmp-trap.js';
import { createSyslogAction } from './actions/syslog.js';
import { createWebhookAction } from './actions/webhook.js';
import { DEFAULT_HEALTH_THRESHOLDS, EventSources, type HealthThresholds } from './events/event-sources.js';
import { notificationRoutes } from './notification-routes.js';
import { NotificationsService } from './notifications-service.js';
import { DEFAULT_OUTBOX_TIMING, type OutboxTiming } from './outbox/outbox-worker.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    notifications: NotificationsService;
  }
}

/** How long records of delivered notifications are kept. */
export const DELIVERED_RETENTION_DAYS = 30;

export interface NotificationsOptions {
  timing?: Partial<OutboxTiming>;
  thresholds?: Partial<HealthThresholds>;
  /** Start without the outbox worker (deliveries are planned but not sent). */
  paused?: boolean;
  /** Name in messages (syslog HOSTNAME); the host name by default. */
  consoleName?: string;
}

/** What the module needs from the console; tests can build just this. */
export type NotificationsContext = Pick<ConsoleContext, 'logger' | 'db' | 'events' | 'secretBox' | 'services' | 'instanceName' | 'version' | 'apiRoutes'> &
  Partial<Pick<ConsoleContext, 'components'>>;

export function createActionRegistry(version: string): ActionRegistry {
  return new ActionRegistry()
    .register(createSyslogAction())
    .register(createEmailAction())
    .register(createSnmpTrapAction())
    .register(createWebhookAction(version));
}

export function createNotificationsModule(context: NotificationsContext, options: NotificationsOptions = {}): ConsoleModule {
  const logger = context.logger.child({ module: 'notifications' });
  const service = new NotificationsService({
    db: context.db,
    secretBox: context.secretBox,
    actions: createActionRegistry(context.version),
    timing: { ...DEFAULT_OUTBOX_TIMING, ...options.timing },
    owner: context.instanceName,
    consoleName: options.consoleName ?? os.hostname(),
    consoleVersion: context.version,
    logger,
  });
  context.services.provide('notifications', service);
  const sources = new EventSources(context.events, service.notifier, { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds }, logger);
  const pruneTimer = setInterval(() => sources.flapGuard.prune(), 60_000);
  pruneTimer.unref();
  // Delivered records are history, not work: keep DELIVERED_RETENTION_DAYS of them (dead ones stay).
  const retentionTimer = setInterval(() => {
    service.deliveries
      .pruneDelivered(new Date(Date.now() - DELIVERED_RETENTION_DAYS * 24 * 60 * 60_000))
      .catch((error: unknown) => logger.warn({ err: error }, 'pruning delivered notifications failed'));
  }, 60 * 60_000);
  retentionTimer.unref();
  // Open syslog/SMTP connections keep the TLS options they opened with: close them when
  // "certificate validation" changes, so the next delivery connects under the new rule.
  let offValidationChange: (() => void) | null = null;
  return {
    name: 'notifications',
    apiRouters: [notificationRoutes(context.apiRoutes, service, (entry) => context.services.get('audit').record(entry).then(() => undefined))],
    async start() {
      offValidationChange = context.events.on('pki.outbound-validation-changed', () => void service.closeConnections());
      sources.start();
      service.start(options.paused ?? false);
      context.components?.set('forwarding-outbox', 'up', options.paused ? 'outbox worker paused' : 'outbox worker sending');
    },
    async stop() {
      clearInterval(pruneTimer);
      clearInterval(retentionTimer);
      offValidationChange?.();
      sources.stop();
      await service.stop();
      context.components?.set('forwarding-outbox', 'stopped');
    },
  };
}
