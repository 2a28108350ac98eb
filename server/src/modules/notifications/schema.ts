/** Request schemas for the notifications API (events, deliveries, SMTP); rules have rules/rule-schema.ts. */
import { z } from 'zod';
import { EVENT_TYPES, SEVERITIES, type EventType } from './events/event-catalogue.js';
import { emailAddress } from './actions/smtp-settings.js';
import { DELIVERY_STATUSES } from './outbox/delivery-store.js';

const limit = z.coerce.number().int().min(1, 'At least 1').max(500, 'At most 500').default(100);
const id = z.string().trim().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true, message: 'An ISO 8601 time, e.g. 2026-01-31T12:00:00Z' }).transform((value) => new Date(value));

export const eventsQuery = z.strictObject({
  /** Comma-separated event types. */
  type: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter((part) => part.length > 0))
    .refine((types): types is EventType[] => types.every((type) => (EVENT_TYPES as string[]).includes(type)), {
      message: `Unknown event type: use ${EVENT_TYPES.join(', ')}`,
    })
    .optional(),
  minimumSeverity: z.enum(SEVERITIES).optional(),
  sensorId: id.optional(),
  siteId: id.optional(),
  zoneId: id.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit,
});

export const deliveriesQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  failing: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
  eventId: id.optional(),
  ruleId: id.optional(),
  limit,
});

export const idParams = z.strictObject({ id });

export const smtpTestBody = z.strictObject({ to: emailAddress });
