/**
 * Request schemas of the backup routes. Query strings arrive as text: numbers
 * and dates are coerced here; unknown parameters and fields are refused.
 */
import { z } from 'zod';
import { RUN_STATUSES, SCHEDULE_SCOPES } from './backup-documents.js';

const uuid = (what: string) => z.uuid(`must be a ${what} id (UUID)`);
const time = z.string('must be a time').regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day as HH:mm (24-hour, console time)');
const targetId = z.string('must be a target id').min(1, 'must not be empty').max(64, 'must be at most 64 characters').nullable();

export const sensorIdParams = z.strictObject({ sensorId: uuid('sensor') });
export const zoneIdParams = z.strictObject({ zoneId: uuid('zone') });
export const fileIdParams = z.strictObject({ fileId: uuid('backup file') });
export const runIdParams = z.strictObject({ runId: uuid('backup run') });
export const scheduleIdParams = z.strictObject({ scheduleId: uuid('schedule') });

export const listRunsQuery = z.strictObject({
  sensorId: uuid('sensor').optional(),
  status: z.enum(RUN_STATUSES, { message: `must be one of ${RUN_STATUSES.join(', ')}` }).optional(),
  from: z.coerce.date('must be a date and time (ISO 8601)').optional(),
  to: z.coerce.date('must be a date and time (ISO 8601)').optional(),
  limit: z.coerce.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(500, 'must be at most 500').default(50),
  offset: z.coerce.number('must be a number').int('must be a whole number').min(0, 'must be 0 or more').default(0),
});

export const createScheduleBody = z.strictObject({
  scope: z.enum(SCHEDULE_SCOPES, { message: 'must be site, zone or sensor' }),
  scopeId: uuid('site, zone or sensor'),
  enabled: z.boolean('must be true or false').default(true),
  time,
  targetId: targetId.default(null),
});

export const updateScheduleBody = z
  .strictObject({ enabled: z.boolean('must be true or false').optional(), time: time.optional(), targetId: targetId.optional() })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one of enabled, time, targetId');

export const updatePolicyBody = z
  .strictObject({
    keepPerSensor: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1 (the last good backup is always kept)').max(1000, 'must be at most 1000').optional(),
    maxBytesPerTarget: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1 byte').nullable().optional(),
    spreadWindowMinutes: z.number('must be a number').int('must be a whole number').min(0, 'must be 0 or more').max(720, 'must be at most 720 (12 hours)').optional(),
    missingAfterHours: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(24 * 30, 'must be at most 720').optional(),
    runTimeoutMinutes: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(24 * 60, 'must be at most 1440').optional(),
    defaultTime: time.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one setting');

export const restoreBody = z.strictObject({ sensorId: uuid('sensor') });
