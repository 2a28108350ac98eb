/**
 * Raising a system notification: store the event, match it against the enabled
 * forwarding rules, and plan one outbox delivery per matching action.
 *
 * Write order is what makes forwarding lossless: deliveries are written first
 * (each carries a copy of the event), then the event. A crash between the two
 * loses no message; the event list just misses that one event. The other order
 * could leave a stored event that is never forwarded.
 *
 * Events raised close together are written in one batch: their deliveries as
 * one outbox page (see delivery-store.ts), the events with one insertMany. That
 * is what lets bursts of thousands per second through a MongoDB-compatible
 * database that costs a round trip per command and, embedded, time per document.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../platform/logger.js';
import type { DeliveryPage, DeliveryRecord, DeliveryStore } from '../outbox/delivery-store.js';
import { deliveryId, pendingPages } from '../outbox/delivery-store.js';
import type { RuleStore } from '../rules/rule-store.js';
import { ruleMatches } from '../rules/rule-store.js';
import { EVENT_CATALOGUE, type EventFields, type EventType, type Severity } from './event-catalogue.js';
import { presentEvent } from './event-presenter.js';
import type { EventStore, NotificationEvent } from './event-store.js';

export interface RaiseEventInput {
  type: EventType;
  title: string;
  /** The catalogue's severity when omitted. */
  severity?: Severity;
  occurredAt?: Date;
  sensor?: { sensorId: string; sensorName: string; siteId: string | null; zoneId: string | null } | null;
  fields?: EventFields;
  suppressed?: NotificationEvent['suppressed'];
}

interface Pending {
  event: NotificationEvent;
  resolve(event: NotificationEvent): void;
  reject(error: unknown): void;
}

export interface NotifierOptions {
  events: EventStore;
  deliveries: DeliveryStore;
  rules: RuleStore;
  deadlineMs: number;
  logger: Logger;
  /** Called with outbox pages once they are written, to hand them to the worker. */
  onPlanned(pages: DeliveryPage[]): void;
}

export class Notifier {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly options: NotifierOptions) {}

  /** Stores the event and plans its deliveries; resolves once both are in the database. */
  raise(input: RaiseEventInput): Promise<NotificationEvent> {
    const event: NotificationEvent = {
      _id: randomUUID(),
      type: input.type,
      severity: input.severity ?? EVENT_CATALOGUE[input.type].severity,
      title: input.title,
      occurredAt: input.occurredAt ?? new Date(),
      sensorId: input.sensor?.sensorId ?? null,
      sensorName: input.sensor?.sensorName ?? null,
      siteId: input.sensor?.siteId ?? null,
      zoneId: input.sensor?.zoneId ?? null,
      fields: input.fields ?? {},
      suppressed: input.suppressed ?? null,
    };
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Waits until everything raised so far is written (shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let the current burst of synchronous raises join this batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 1000);
      try {
        const pages = pendingPages(await this.plan(batch.map((pending) => pending.event)));
        await this.options.deliveries.insertPages(pages);
        await this.options.events.insertMany(batch.map((pending) => pending.event));
        if (pages.length > 0) this.options.onPlanned(pages);
        for (const pending of batch) pending.resolve(pending.event);
      } catch (error) {
        this.options.logger.error({ err: error, events: batch.length }, 'notifications could not be stored');
        for (const pending of batch) pending.reject(error);
      }
    }
    this.flushing = null;
  }

  private async plan(events: NotificationEvent[]): Promise<DeliveryRecord[]> {
    const forwarded = events.filter((event) => event.suppressed === null);
    if (forwarded.length === 0) return [];
    const rules = await this.options.rules.enabledRules();
    const now = new Date();
    const deliveries: DeliveryRecord[] = [];
    for (const event of forwarded) {
      const view = presentEvent(event);
      for (const rule of rules) {
        if (!ruleMatches(rule, event)) continue;
        for (const action of rule.actions) {
          // A failing target is never told about its own failure: it would fail again.
          if (event.type === 'forwarding.target-failing' && event.fields.ruleId === rule._id && event.fields.actionId === action.id) continue;
          const target = this.describe(rule, action.id);
          if (target === null) continue;
          deliveries.push({
            _id: deliveryId(event._id, rule._id, action.id),
            eventId: event._id,
            ruleId: rule._id,
            ruleName: rule.name,
            actionId: action.id,
            actionType: action.type,
            target,
            event: view,
            attempts: 0,
            nextAttemptAt: now,
            deadline: new Date(now.getTime() + this.options.deadlineMs),
            lastAttemptAt: null,
            lastReason: null,
            createdAt: now,
            finishedAt: null,
          });
        }
      }
    }
    return deliveries;
  }

  private describe(rule: Parameters<RuleStore['resolveAction']>[0], actionId: string): string | null {
    try {
      return this.options.rules.resolveAction(rule, actionId)?.target ?? null;
    } catch (error) {
      // A config that no longer opens (master key changed) still gets a delivery, which will go dead visibly.
      this.options.logger.warn({ err: error, ruleId: rule._id, actionId }, 'forwarding action cannot be resolved');
      return 'an action whose configuration cannot be read';
    }
  }
}
