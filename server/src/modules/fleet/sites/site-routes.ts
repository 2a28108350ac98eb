/**
 * /api/v1/sites: reading needs 'sensors:read' (sites are how the fleet is shown);
 * every change needs 'sites:manage' and is audited.
 */
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import type { FleetAudit } from '../fleet-audit.js';
import { createSiteBody, siteIdParams, updateSiteBody } from './schema.js';
import type { SiteService } from './site-service.js';

export function siteRoutes(catalogue: ApiRouteCatalogue, sites: SiteService, audit: FleetAudit): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/sites', 'Sites and zones');

  routes.route({ method: 'get', path: '/', summary: 'Every site with its zone and sensor counts', permission: 'sensors:read' }, async () => ({
    items: await sites.list(),
  }));

  routes.route({ method: 'get', path: '/:siteId', summary: 'One site', permission: 'sensors:read', params: siteIdParams }, async ({ params }) =>
    sites.get(params.siteId),
  );

  routes.route(
    { method: 'post', path: '/', summary: 'Create a site (name unique regardless of case)', permission: 'sites:manage', body: createSiteBody, status: 201 },
    async ({ body }, req) => {
      const site = await sites.create(body);
      await audit(req, { action: 'site.created', target: { kind: 'site', id: site.id, name: site.name }, after: site });
      return site;
    },
  );

  routes.route(
    { method: 'patch', path: '/:siteId', summary: 'Rename or describe a site', permission: 'sites:manage', params: siteIdParams, body: updateSiteBody },
    async ({ params, body }, req) => {
      const { before, after } = await sites.update(params.siteId, body);
      await audit(req, { action: 'site.updated', target: { kind: 'site', id: after.id, name: after.name }, before, after });
      return after;
    },
  );

  routes.route(
    { method: 'delete', path: '/:siteId', summary: 'Delete a site that has no zones (409 otherwise)', permission: 'sites:manage', params: siteIdParams, status: 204 },
    async ({ params }, req) => {
      const site = await sites.delete(params.siteId);
      await audit(req, { action: 'site.deleted', target: { kind: 'site', id: site.id, name: site.name }, before: site });
    },
  );

  return routes.apiRouter();
}
