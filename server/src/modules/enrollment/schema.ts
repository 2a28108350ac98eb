/** Request shapes of /api/v1/connection-strings; the inferred types are what the handlers receive. */
import { z } from 'zod';

const HOUR_MS = 60 * 60 * 1000;

export const createConnectionStringBody = z.strictObject({
  /** Pre-assigns the enrolling sensor to this zone; Unassigned when absent. */
  zoneId: z.string().min(1).max(64).nullable().optional(),
  /** Lifetime in seconds: 5 minutes to 30 days; 24 hours by default. */
  ttlSeconds: z
    .number()
    .int('ttlSeconds must be a whole number of seconds')
    .min(300, 'ttlSeconds must be at least 300 (5 minutes)')
    .max(30 * 24 * 3600, 'ttlSeconds must be at most 2592000 (30 days)')
    .optional(),
});
export type CreateConnectionStringBody = z.infer<typeof createConnectionStringBody>;

export const regenerateStandingBody = z.strictObject({
  ttlSeconds: createConnectionStringBody.shape.ttlSeconds,
});

export const connectionStringIdParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'Not a connection string id'),
});

export const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const DEFAULT_TTL_MS = 24 * HOUR_MS;
