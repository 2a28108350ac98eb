/** The API shape of a stored event (ISO times, `id` instead of `_id`). */
import type { NotificationEvent } from './event-store.js';

export interface EventView {
  id: string;
  type: string;
  severity: string;
  title: string;
  occurredAt: string;
  sensor: { id: string; name: string | null } | null;
  siteId: string | null;
  zoneId: string | null;
  fields: NotificationEvent['fields'];
  suppressed: NotificationEvent['suppressed'];
}

export function presentEvent(event: NotificationEvent): EventView {
  return {
    id: event._id,
    type: event.type,
    severity: event.severity,
    title: event.title,
    occurredAt: event.occurredAt.toISOString(),
    sensor: event.sensorId ? { id: event.sensorId, name: event.sensorName } : null,
    siteId: event.siteId,
    zoneId: event.zoneId,
    fields: event.fields,
    suppressed: event.suppressed,
  };
}
