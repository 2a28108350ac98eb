/**
 * Request schemas of /api/v1/sensors. Query strings arrive as text: numbers and
 * flags are coerced here; unknown parameters and fields are refused.
 */
import { z } from 'zod';
import { SENSOR_STATES } from '../sensor-model.js';

/** Sensor ids are the UUIDs enrolment proposes (randomUUID()). */
export const sensorId = z.uuid('must be a sensor id (UUID)');
const zoneId = z.uuid('must be a zone id (UUID)');

export const sensorIdParams = z.strictObject({ sensorId });

export const SENSOR_SORTS = ['name', 'state', 'lastSeenAt', 'version'] as const;
export type SensorSort = (typeof SENSOR_SORTS)[number];

const stateList = z
  .string()
  .transform((value) => value.split(',').map((state) => state.trim()))
  .pipe(z.array(z.enum(SENSOR_STATES, `must be one or more of ${SENSOR_STATES.join(', ')}, separated by commas`)).min(1));

export const listSensorsQuery = z
  .strictObject({
    /** One state or several separated by commas: `state=unreachable,disconnected`. */
    state: stateList.optional(),
    siteId: z.uuid('must be a site id (UUID)').optional(),
    zoneId: zoneId.optional(),
    /** `true`: only sensors in no zone. */
    unassigned: z.enum(['true', 'false'], "must be 'true' or 'false'").transform((value) => value === 'true').optional(),
    /** Exact capture-core version, e.g. `24.1.3`. */
    version: z.string().trim().min(1).max(64).optional(),
    /** Part of a name or host name, any case; matched literally (not a pattern). */
    q: z.string().trim().min(1).max(100).optional(),
    sort: z.enum(SENSOR_SORTS, `must be one of ${SENSOR_SORTS.join(', ')}`).default('name'),
    order: z.enum(['asc', 'desc'], "must be 'asc' or 'desc'").default('asc'),
    limit: z.coerce.number().int().min(1).max(500, 'must be at most 500').default(100),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .refine((query) => !(query.unassigned === true && query.zoneId !== undefined), {
    message: 'cannot be combined with zoneId (a sensor in a zone is not unassigned)',
    path: ['unassigned'],
  });
export type ListSensorsQuery = z.output<typeof listSensorsQuery>;

/** Sensor names end up in backup file names (`<name>-backup-version-…tar`), so they stay file-name safe. */
export const sensorName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const renameSensorBody = z.strictObject({ name: sensorName });

export const assignZoneBody = z.strictObject({ zoneId: zoneId.nullable() });

export const bulkAssignBody = z.strictObject({
  sensorIds: z
    .array(sensorId)
    .min(1, 'must list at least one sensor')
    .max(500, 'must list at most 500 sensors')
    .refine((ids) => new Set(ids).size === ids.length, 'must not list a sensor twice'),
  /** null moves the sensors to Unassigned. */
  zoneId: zoneId.nullable(),
});
