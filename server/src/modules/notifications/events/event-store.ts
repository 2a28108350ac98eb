/**
 * Stored system notifications (`notificationEvents`). An event is immutable once
 * written; its id travels in every message so receivers can drop duplicates.
 */
import type { Collection, Filter } from 'mongodb';
import { severitiesFrom, type EventFields, type EventType, type Severity } from './event-catalogue.js';

export const EVENTS_COLLECTION = 'notificationEvents';

export interface NotificationEvent {
  _id: string;
  type: EventType;
  severity: Severity;
  /** One sentence for people, e.g. 'Sensor "plc-north" disconnected (ping timeout)'. */
  title: string;
  occurredAt: Date;
  sensorId: string | null;
  sensorName: string | null;
  siteId: string | null;
  zoneId: string | null;
  fields: EventFields;
  /** Why no message was sent for this event ('flapping'), or null when it was forwarded. */
  suppressed: 'flapping' | null;
}

export interface EventQuery {
  types?: EventType[];
  minimumSeverity?: Severity;
  sensorId?: string;
  siteId?: string;
  zoneId?: string;
  from?: Date;
  to?: Date;
  /** A user's site/zone scope: only events of these sites or zones (http/access-scope.ts). */
  within?: { siteIds: readonly string[]; zoneIds: readonly string[] };
  limit: number;
}

export class EventStore {
  constructor(private readonly collection: Collection<NotificationEvent>) {}

  async insertMany(events: NotificationEvent[]): Promise<void> {
    if (events.length > 0) await this.collection.insertMany(events, { ordered: false });
  }

  findById(id: string): Promise<NotificationEvent | null> {
    return this.collection.findOne({ _id: id });
  }

  async list(query: EventQuery): Promise<NotificationEvent[]> {
    const filter: Filter<NotificationEvent> = {};
    if (query.types && query.types.length > 0) filter.type = { $in: query.types };
    if (query.minimumSeverity) filter.severity = { $in: severitiesFrom(query.minimumSeverity) };
    if (query.sensorId) filter.sensorId = query.sensorId;
    if (query.siteId) filter.siteId = query.siteId;
    if (query.zoneId) filter.zoneId = query.zoneId;
    if (query.within) filter.$or = [{ siteId: { $in: [...query.within.siteIds] } }, { zoneId: { $in: [...query.within.zoneIds] } }];
    if (query.from || query.to) {
      filter.occurredAt = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    }
    return this.collection.find(filter).sort({ occurredAt: -1, _id: -1 }).limit(query.limit).toArray();
  }
}
