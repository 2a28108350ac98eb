/**
 * /api/v1/sites: reading needs 'sensors:read' (sites are how the fleet is shown);
 * every change needs 'sites:manage' and is audited.
 *
 * A user with a site/zone scope sees the sites of the scope and the sites that
 * hold its zones; changing a site needs the site itself in the scope, and
 * creating one is refused (a new site is outside every scope).
 */
import type { Request } from 'express';
import { scopeOf, type PlacementLookup } from '../../../http/access-scope.js';
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import type { FleetAudit } from '../fleet-audit.js';
import { createSiteBody, siteIdParams, updateSiteBody } from './schema.js';
import type { SiteService } from './site-service.js';

export function siteRoutes(catalogue: ApiRouteCatalogue, sites: SiteService, audit: FleetAudit, placements: PlacementLookup): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/sites', 'Sites and zones');

  /** Ids of the sites a scoped user may read; null when unrestricted. */
  async function visibleSiteIds(req: Request): Promise<Set<string> | null> {
    const scope = scopeOf(req);
    if (!scope) return null;
    const zones = await placements.ofZones([...scope.zoneIds]);
    return new Set([...scope.siteIds, ...[...zones.values()].flatMap((zone) => (zone.siteId ? [zone.siteId] : []))]);
  }

  function requireSiteInScope(req: Request, siteId: string): void {
    scopeOf(req)?.require({ siteId, zoneId: null }, `Site ${siteId}`);
  }

  routes.route({ method: 'get', path: '/', summary: 'Every site with its zone and sensor counts', permission: 'sensors:read' }, async (_input, req) => {
    const [all, visible] = await Promise.all([sites.list(), visibleSiteIds(req)]);
    return { items: visible ? all.filter((site) => visible.has(site.id)) : all };
  });

  routes.route({ method: 'get', path: '/:siteId', summary: 'One site', permission: 'sensors:read', params: siteIdParams }, async ({ params }, req) => {
    const scope = scopeOf(req);
    if (scope && !(await visibleSiteIds(req))?.has(params.siteId)) throw scope.refusal(`Site ${params.siteId}`);
    return sites.get(params.siteId);
  });

  routes.route(
    { method: 'post', path: '/', summary: 'Create a site (name unique regardless of case)', permission: 'sites:manage', body: createSiteBody, status: 201 },
    async ({ body }, req) => {
      const scope = scopeOf(req);
      if (scope) throw scope.refusal('A new site');
      const site = await sites.create(body);
      await audit(req, { action: 'site.created', target: { kind: 'site', id: site.id, name: site.name }, after: site });
      return site;
    },
  );

  routes.route(
    { method: 'patch', path: '/:siteId', summary: 'Rename or describe a site', permission: 'sites:manage', params: siteIdParams, body: updateSiteBody },
    async ({ params, body }, req) => {
      requireSiteInScope(req, params.siteId);
      const { before, after } = await sites.update(params.siteId, body);
      await audit(req, { action: 'site.updated', target: { kind: 'site', id: after.id, name: after.name }, before, after });
      return after;
    },
  );

  routes.route(
    { method: 'delete', path: '/:siteId', summary: 'Delete a site that has no zones (409 otherwise)', permission: 'sites:manage', params: siteIdParams, status: 204 },
    async ({ params }, req) => {
      requireSiteInScope(req, params.siteId);
      const site = await sites.delete(params.siteId);
      await audit(req, { action: 'site.deleted', target: { kind: 'site', id: site.id, name: site.name }, before: site });
    },
  );

  return routes.apiRouter();
}
