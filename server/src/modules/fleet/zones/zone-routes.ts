/**
 * /api/v1/zones: reading needs 'sensors:read'; every change needs 'sites:manage'
 * and is audited.
 */
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import type { FleetAudit } from '../fleet-audit.js';
import { createZoneBody, listZonesQuery, updateZoneBody, zoneIdParams } from './schema.js';
import type { ZoneService } from './zone-service.js';

export function zoneRoutes(catalogue: ApiRouteCatalogue, zones: ZoneService, audit: FleetAudit): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/zones', 'Sites and zones');

  routes.route(
    { method: 'get', path: '/', summary: 'Zones, optionally of one site, with their sensor counts', permission: 'sensors:read', query: listZonesQuery },
    async ({ query }) => ({ items: await zones.list({ siteId: query.siteId }) }),
  );

  routes.route({ method: 'get', path: '/:zoneId', summary: 'One zone', permission: 'sensors:read', params: zoneIdParams }, async ({ params }) =>
    zones.get(params.zoneId),
  );

  routes.route(
    { method: 'post', path: '/', summary: 'Create a zone in a site (name unique within the site)', permission: 'sites:manage', body: createZoneBody, status: 201 },
    async ({ body }, req) => {
      const zone = await zones.create(body);
      await audit(req, { action: 'zone.created', target: { kind: 'zone', id: zone.id, name: zone.name }, after: zone });
      return zone;
    },
  );

  routes.route(
    { method: 'patch', path: '/:zoneId', summary: 'Rename or describe a zone', permission: 'sites:manage', params: zoneIdParams, body: updateZoneBody },
    async ({ params, body }, req) => {
      const { before, after } = await zones.update(params.zoneId, body);
      await audit(req, { action: 'zone.updated', target: { kind: 'zone', id: after.id, name: after.name }, before, after });
      return after;
    },
  );

  routes.route(
    { method: 'delete', path: '/:zoneId', summary: 'Delete a zone that holds no sensors (409 otherwise)', permission: 'sites:manage', params: zoneIdParams, status: 204 },
    async ({ params }, req) => {
      const zone = await zones.delete(params.zoneId);
      await audit(req, { action: 'zone.deleted', target: { kind: 'zone', id: zone.id, name: zone.name }, before: zone });
    },
  );

  return routes.apiRouter();
}
