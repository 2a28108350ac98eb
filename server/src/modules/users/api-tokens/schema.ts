/** Request schemas of the API tokens API (/api/v1/api-tokens). */
import { z } from 'zod';
import { ROLES } from '../../../http/permissions.js';

export const MAX_TOKEN_DAYS = 365;

export const createApiTokenBody = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
  role: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }),
  expiresInDays: z
    .number({ message: `must be a number of days from 1 to ${MAX_TOKEN_DAYS}` })
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(MAX_TOKEN_DAYS, `must be at most ${MAX_TOKEN_DAYS} days; create a new token when it expires`),
});
export type CreateApiTokenBody = z.output<typeof createApiTokenBody>;

export const apiTokenIdParams = z.strictObject({
  id: z.string().regex(/^[a-f0-9]{24}$/, 'is not an API token id'),
});
