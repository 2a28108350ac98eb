/** Request schemas of /api/v1/zones. A zone's site is set at creation and never changes. */
import { z } from 'zod';
import { placementDescription, placementName } from '../sites/schema.js';

export const zoneIdParams = z.strictObject({ zoneId: z.uuid('must be a zone id (UUID)') });

export const listZonesQuery = z.strictObject({ siteId: z.uuid('must be a site id (UUID)').optional() });

export const createZoneBody = z.strictObject({
  siteId: z.uuid('must be a site id (UUID)'),
  name: placementName,
  description: placementDescription.default(''),
});
export type CreateZoneBody = z.output<typeof createZoneBody>;

export const updateZoneBody = z
  .strictObject({ name: placementName.optional(), description: placementDescription.optional() })
  .refine((body) => body.name !== undefined || body.description !== undefined, 'must change name or description');
export type UpdateZoneBody = z.output<typeof updateZoneBody>;
