/**
 * Request schemas of /api/v1/settings. The settings object itself is checked by
 * the shared sensor settings schema inside the service (after masked secrets
 * are set aside), so here it is only "an object"; its problems are still named
 * field by field (`settings.ntp.servers.0.address`).
 */
import { z } from 'zod';
import { SCOPE_KINDS } from './settings-merge.js';

export const siteIdParams = z.strictObject({ siteId: z.uuid('must be a site id (UUID)') });
export const zoneIdParams = z.strictObject({ zoneId: z.uuid('must be a zone id (UUID)') });
export const sensorIdParams = z.strictObject({ sensorId: z.uuid('must be a sensor id (UUID)') });

const settingsObject = z
  .record(z.string(), z.unknown(), 'must be an object of settings sections')
  .describe('Sections: ntp, timeRegion, dns, mail, snmp, activeDirectory, subnets, portAliases, uploadBandwidthLimit, systemProperties. Secrets read as "••••"; send "••••" back to keep one.');

export const putScopeBody = z.strictObject({
  /** The revision the editor loaded (0 for a scope never saved); an older one is refused 409 stale_revision. */
  baseRevision: z.number('must be the revision you loaded').int('must be a whole number').min(0, 'must be 0 or more'),
  settings: settingsObject,
});
export type PutScopeBody = z.output<typeof putScopeBody>;

export const previewBody = z
  .strictObject({
    scope: z.strictObject({
      kind: z.enum(SCOPE_KINDS, { message: `must be one of ${SCOPE_KINDS.join(', ')}` }),
      id: z.uuid('must be a site, zone or sensor id (UUID)').nullable().default(null),
    }),
    settings: settingsObject,
    sampleSensorId: z.uuid('must be a sensor id (UUID)').optional(),
  })
  .refine((body) => (body.scope.kind === 'global') === (body.scope.id === null), {
    message: 'must be null for the global scope and a site, zone or sensor id otherwise',
    path: ['scope', 'id'],
  });
export type PreviewBody = z.output<typeof previewBody>;

export const driftQuery = z.strictObject({
  siteId: z.uuid('must be a site id (UUID)').optional(),
  zoneId: z.uuid('must be a zone id (UUID)').optional(),
  driftedOnly: z.enum(['true', 'false'], "must be 'true' or 'false'").transform((value) => value === 'true').optional(),
});
