/** Request schemas of /api/v1/sites. Unknown fields are refused (strict objects). */
import { z } from 'zod';

/** A name people read on screens and in notifications: trimmed, no control characters. */
export const placementName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const placementDescription = z.string().trim().max(1000, 'must be at most 1000 characters');

export const siteIdParams = z.strictObject({ siteId: z.uuid('must be a site id (UUID)') });

export const createSiteBody = z.strictObject({
  name: placementName,
  description: placementDescription.default(''),
});
export type CreateSiteBody = z.output<typeof createSiteBody>;

export const updateSiteBody = z
  .strictObject({ name: placementName.optional(), description: placementDescription.optional() })
  .refine((body) => body.name !== undefined || body.description !== undefined, 'must change name or description');
export type UpdateSiteBody = z.output<typeof updateSiteBody>;
