/**
 * /api/v1/zones: reading needs 'sensors:read'; every change needs 'sites:manage'
 * and is audited.
 *
 * A user with a site/zone scope sees and changes only the zones of the scope
 * (its zones, and every zone of its sites); anything else is refused with 403
 * naming the scope.
 */
import type { Request } from 'express';
import { scopeOf } from '../../../http/access-scope.js';
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import type { FleetAudit } from '../fleet-audit.js';
import { createZoneBody, listZonesQuery, updateZoneBody, zoneIdParams } from './schema.js';
import type { ZoneService } from './zone-service.js';

export function zoneRoutes(catalogue: ApiRouteCatalogue, zones: ZoneService, audit: FleetAudit): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/zones', 'Sites and zones');

  /** The zone (404 when missing), refused with 403 when outside the user's scope. */
  async function zoneInScope(req: Request, zoneId: string) {
    const zone = await zones.get(zoneId);
    scopeOf(req)?.require({ siteId: zone.siteId, zoneId: zone.id }, `Zone ${zoneId}`);
    return zone;
  }

  routes.route(
    { method: 'get', path: '/', summary: 'Zones, optionally of one site, with their sensor counts', permission: 'sensors:read', query: listZonesQuery },
    async ({ query }, req) => {
      const scope = scopeOf(req);
      const items = await zones.list({ siteId: query.siteId });
      return { items: scope ? items.filter((zone) => scope.covers({ siteId: zone.siteId, zoneId: zone.id })) : items };
    },
  );

  routes.route({ method: 'get', path: '/:zoneId', summary: 'One zone', permission: 'sensors:read', params: zoneIdParams }, async ({ params }, req) =>
    zoneInScope(req, params.zoneId),
  );

  routes.route(
    { method: 'post', path: '/', summary: 'Create a zone in a site (name unique within the site)', permission: 'sites:manage', body: createZoneBody, status: 201 },
    async ({ body }, req) => {
      scopeOf(req)?.require({ siteId: body.siteId, zoneId: null }, `Site ${body.siteId}`);
      const zone = await zones.create(body);
      await audit(req, { action: 'zone.created', target: { kind: 'zone', id: zone.id, name: zone.name }, after: zone });
      return zone;
    },
  );

  routes.route(
    { method: 'patch', path: '/:zoneId', summary: 'Rename or describe a zone', permission: 'sites:manage', params: zoneIdParams, body: updateZoneBody },
    async ({ params, body }, req) => {
      await zoneInScope(req, params.zoneId);
      const { before, after } = await zones.update(params.zoneId, body);
      await audit(req, { action: 'zone.updated', target: { kind: 'zone', id: after.id, name: after.name }, before, after });
      return after;
    },
  );

  routes.route(
    { method: 'delete', path: '/:zoneId', summary: 'Delete a zone that holds no sensors (409 otherwise)', permission: 'sites:manage', params: zoneIdParams, status: 204 },
    async ({ params }, req) => {
      await zoneInScope(req, params.zoneId);
      const zone = await zones.delete(params.zoneId);
      await audit(req, { action: 'zone.deleted', target: { kind: 'zone', id: zone.id, name: zone.name }, before: zone });
    },
  );

  return routes.apiRouter();
}
