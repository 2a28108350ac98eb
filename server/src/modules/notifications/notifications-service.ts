/**
 * The notifications service: what routes call and what other modules use
 * (`context.services.get('notifications').raise(...)` for backups, settings and
 * PKI events). It wires the stores, the notifier and the outbox worker.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Logger } from '../../platform/logger.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import type { ActionEnvironment, OutgoingNotification } from './actions/action-contract.js';
import { errorReason } from './actions/action-contract.js';
import type { ActionRegistry } from './actions/action-registry.js';
import { SmtpMailer } from './actions/smtp-mailer.js';
import { SETTINGS_COLLECTION, SmtpSettingsStore } from './actions/smtp-settings.js';
import { EVENTS_COLLECTION, EventStore, type NotificationEvent } from './events/event-store.js';
import { Notifier, type RaiseEventInput } from './events/notifier.js';
import { DELIVERY_LOG_COLLECTION, DeliveryStore, OUTBOX_COLLECTION, OUTBOX_PAGES_COLLECTION, type DeliveryDocument } from './outbox/delivery-store.js';
import { OutboxWorker, type OutboxTiming } from './outbox/outbox-worker.js';
import { LEASES_COLLECTION, PartitionLeases, WORKERS_COLLECTION } from './outbox/partition-leases.js';
import { TargetHealth, TARGETS_COLLECTION } from './outbox/target-health.js';
import { RULES_COLLECTION, RuleStore } from './rules/rule-store.js';

export interface ActionTestResult {
  actionId: string;
  type: string;
  target: string;
  ok: boolean;
  /** What happened, in words: 'Delivered.' or the reason it failed. */
  result: string;
}

export interface NotificationsServiceOptions {
  db: Db;
  secretBox: SecretBox;
  actions: ActionRegistry;
  timing: OutboxTiming;
  owner: string;
  consoleName: string;
  consoleVersion: string;
  logger: Logger;
}

export class NotificationsService {
  readonly actions: ActionRegistry;
  readonly events: EventStore;
  readonly rules: RuleStore;
  readonly deliveries: DeliveryStore;
  readonly smtp: SmtpSettingsStore;
  readonly notifier: Notifier;
  readonly worker: OutboxWorker;
  private readonly environment: ActionEnvironment;

  constructor(private readonly options: NotificationsServiceOptions) {
    const { db } = options;
    this.actions = options.actions;
    this.events = new EventStore(db.collection(EVENTS_COLLECTION));
    this.rules = new RuleStore(db.collection(RULES_COLLECTION), options.actions, options.secretBox);
    this.deliveries = new DeliveryStore(db.collection(OUTBOX_COLLECTION), db.collection(OUTBOX_PAGES_COLLECTION), db.collection(DELIVERY_LOG_COLLECTION));
    this.smtp = new SmtpSettingsStore(db.collection(SETTINGS_COLLECTION), options.secretBox);
    this.environment = { logger: options.logger, smtpSettings: () => this.smtp.get() };
    this.notifier = new Notifier({
      events: this.events,
      deliveries: this.deliveries,
      rules: this.rules,
      deadlineMs: options.timing.deadlineMs,
      logger: options.logger,
      onPlanned: (pages) => this.worker.offer(pages),
    });
    this.worker = new OutboxWorker({
      deliveries: this.deliveries,
      leases: new PartitionLeases(db.collection(LEASES_COLLECTION), db.collection(WORKERS_COLLECTION), options.owner, options.timing.leaseMs),
      rules: this.rules,
      targets: new TargetHealth(db.collection(TARGETS_COLLECTION)),
      environment: this.environment,
      timing: options.timing,
      owner: options.owner,
      consoleName: options.consoleName,
      consoleVersion: options.consoleVersion,
      logger: options.logger,
      onTargetFailing: async (target) => {
        await this.raise({
          type: 'forwarding.target-failing',
          title: `Forwarding to ${target.target} keeps failing: ${target.reason}`,
          fields: { ruleId: target.ruleId, actionId: target.actionId, target: target.target, reason: target.reason },
        });
      },
    });
  }

  raise(input: RaiseEventInput): Promise<NotificationEvent> {
    return this.notifier.raise(input);
  }

  async retryDelivery(id: string): Promise<DeliveryDocument> {
    const delivery = await this.deliveries.retry(id, this.options.timing.deadlineMs);
    this.worker.nudge();
    return delivery;
  }

  /** Sends a synthetic event through every action of a rule now, bypassing the outbox. */
  async testRule(ruleId: string): Promise<{ ruleName: string; eventId: string; results: ActionTestResult[] }> {
    const rule = await this.rules.get(ruleId);
    const eventId = `test-${randomUUID()}`;
    const notification: OutgoingNotification = {
      event: {
        id: eventId,
        type: 'notifications.test',
        severity: 'info',
        title: `Test notification from forwarding rule "${rule.name}"`,
        occurredAt: new Date().toISOString(),
        sensor: null,
        siteId: null,
        zoneId: null,
        fields: {},
        suppressed: null,
      },
      ruleName: rule.name,
      consoleName: this.options.consoleName,
      consoleVersion: this.options.consoleVersion,
    };
    const results = await Promise.all(
      rule.actions.map(async (action): Promise<ActionTestResult> => {
        try {
          const resolved = this.rules.resolveAction(rule, action.id);
          if (!resolved) return { actionId: action.id, type: action.type, target: 'unknown', ok: false, result: `Action type "${action.type}" is not available.` };
          const sent = await resolved.actionType.send(notification, resolved.config, this.environment);
          return {
            actionId: action.id,
            type: action.type,
            target: resolved.target,
            ok: sent.ok,
            result: sent.ok ? `Delivered to ${resolved.target}.` : `Failed (${sent.retryable ? 'would be retried' : 'would not be retried'}): ${sent.reason}`,
          };
        } catch (error) {
          return { actionId: action.id, type: action.type, target: 'unknown', ok: false, result: `Failed: ${errorReason(error)}` };
        }
      }),
    );
    return { ruleName: rule.name, eventId, results };
  }

  /** Sends one mail with the stored SMTP settings; the answer says what the server said. */
  async sendTestMail(to: string): Promise<{ ok: boolean; result: string }> {
    const settings = await this.smtp.get();
    if (!settings) return { ok: false, result: 'No mail server is configured yet: save the SMTP settings first.' };
    const mailer = new SmtpMailer();
    try {
      const sent = await mailer.send(settings, {
        to: [to],
        subject: '[Garrison] Test mail',
        text: `This is a test mail from the Garrison console ${this.options.consoleName}.\nIf you can read it, the mail server settings work.`,
      });
      return sent.ok ? { ok: true, result: `The mail server accepted the test mail for ${to}.` } : { ok: false, result: sent.reason };
    } finally {
      mailer.closeAll();
    }
  }

  /** Closes the actions' open connections (syslog sockets, SMTP pools); the next send opens new ones. */
  async closeConnections(): Promise<void> {
    await this.actions.closeAll();
  }

  start(paused: boolean): void {
    if (!paused) this.worker.start();
  }

  async stop(): Promise<void> {
    await this.notifier.drain();
    await this.worker.stop();
    await this.actions.closeAll();
  }
}
