/**
 * /api/v1/settings: each scope's overrides (read 'settings:read', save
 * 'settings:write'), a sensor's effective settings with their origins, the
 * preview of a change and the drift report. Saves are audited with masked
 * before/after views, so no secret reaches the audit trail.
 *
 * Routes get the service as `SettingsApi`: the link-only methods that decrypt
 * secrets are not part of that type.
 *
 * A user with a site/zone scope reads and saves only the scopes of its sites,
 * zones and their sensors (403 naming the scope otherwise); the global settings
 * it may read (its sensors inherit them) but not save.
 */
import type { Request } from 'express';
import { scopeOf } from '../../http/access-scope.js';
import { principalOf } from '../../http/auth.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import type { ServiceRegistry } from '../../platform/console-module.js';
import { auditContextOf } from '../audit/audit-request.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { scopeKey, type SettingsModels } from './settings-model.js';
import { presentEffective, presentPreview, presentScope } from './settings-presenter.js';
import { previewChange, type PreviewService } from './settings-preview.js';
import type { ScopeRef, SettingsApi } from './settings-service.js';
import { driftQuery, previewBody, putScopeBody, sensorIdParams, siteIdParams, zoneIdParams, type PutScopeBody } from './schema.js';

export interface SettingsRoutesDeps {
  catalogue: ApiRouteCatalogue;
  settings: SettingsApi;
  previewService: PreviewService;
  models: SettingsModels;
  services: ServiceRegistry;
}

function auditTrailOf(services: ServiceRegistry): AuditTrail | null {
  try {
    return services.get('audit');
  } catch {
    // The audit module is optional (a stripped-down console or a test without it).
    return null;
  }
}

export function settingsRoutes(deps: SettingsRoutesDeps): ApiRouter {
  const routes = new DescribedRouter(deps.catalogue, '/settings', 'Settings');
  const { settings } = deps;

  /** Refuses (403) a settings scope outside the user's site/zone scope. */
  async function requireInScope(req: Request, scope: ScopeRef): Promise<void> {
    const access = scopeOf(req);
    if (!access) return;
    const placements = deps.services.get('placements');
    if (scope.kind === 'global' || scope.id === null) throw access.refusal('The global settings scope');
    const placement =
      scope.kind === 'site' ? { siteId: scope.id, zoneId: null } : scope.kind === 'zone' ? await placements.ofZone(scope.id) : await placements.ofSensor(scope.id);
    access.require(placement, `The ${scope.kind} ${scope.id}`);
  }

  async function save(scope: ScopeRef, body: PutScopeBody, req: Request) {
    await requireInScope(req, scope);
    const principal = principalOf(req);
    const { before, after, changedFields } = await settings.saveScope(scope, body.baseRevision, body.settings, principal.username);
    const presented = presentScope(after);
    const audit = auditTrailOf(deps.services);
    await audit?.record({
      ...auditContextOf(req),
      action: 'settings.updated',
      target: { kind: 'settings', id: scopeKey(scope.kind, scope.id), name: scope.kind === 'global' ? 'Global settings' : `Settings of ${scope.kind} ${scope.id}` },
      outcome: 'success',
      reason: changedFields.length > 0 ? `Changed ${changedFields.join(', ')} (revision ${after.revision})` : `Saved without changes (revision ${after.revision})`,
      before: presentScope(before),
      after: presented,
    });
    return { ...presented, changedFields };
  }

  routes.route({ method: 'get', path: '/global', summary: 'Global settings (every sensor inherits them)', permission: 'settings:read' }, async () =>
    presentScope(await settings.getScope({ kind: 'global', id: null })),
  );
  routes.route(
    { method: 'put', path: '/global', summary: 'Replace the global settings (409 stale_revision unless baseRevision is current)', permission: 'settings:write', body: putScopeBody },
    async ({ body }, req) => save({ kind: 'global', id: null }, body, req),
  );

  routes.route({ method: 'get', path: '/sites/:siteId', summary: "A site's settings overrides", permission: 'settings:read', params: siteIdParams }, async ({ params }, req) => {
    await requireInScope(req, { kind: 'site', id: params.siteId });
    return presentScope(await settings.getScope({ kind: 'site', id: params.siteId }));
  },
  );
  routes.route(
    { method: 'put', path: '/sites/:siteId', summary: "Replace a site's settings overrides", permission: 'settings:write', params: siteIdParams, body: putScopeBody },
    async ({ params, body }, req) => save({ kind: 'site', id: params.siteId }, body, req),
  );

  routes.route({ method: 'get', path: '/zones/:zoneId', summary: "A zone's settings overrides", permission: 'settings:read', params: zoneIdParams }, async ({ params }, req) => {
    await requireInScope(req, { kind: 'zone', id: params.zoneId });
    return presentScope(await settings.getScope({ kind: 'zone', id: params.zoneId }));
  },
  );
  routes.route(
    { method: 'put', path: '/zones/:zoneId', summary: "Replace a zone's settings overrides", permission: 'settings:write', params: zoneIdParams, body: putScopeBody },
    async ({ params, body }, req) => save({ kind: 'zone', id: params.zoneId }, body, req),
  );

  routes.route({ method: 'get', path: '/sensors/:sensorId', summary: "A sensor's own settings overrides", permission: 'settings:read', params: sensorIdParams }, async ({ params }, req) => {
    await requireInScope(req, { kind: 'sensor', id: params.sensorId });
    return presentScope(await settings.getScope({ kind: 'sensor', id: params.sensorId }));
  },
  );
  routes.route(
    { method: 'put', path: '/sensors/:sensorId', summary: "Replace a sensor's own settings overrides", permission: 'settings:write', params: sensorIdParams, body: putScopeBody },
    async ({ params, body }, req) => save({ kind: 'sensor', id: params.sensorId }, body, req),
  );
  routes.route(
    { method: 'get', path: '/sensors/:sensorId/effective', summary: "A sensor's effective settings and the scope each field comes from", permission: 'settings:read', params: sensorIdParams },
    async ({ params }, req) => {
      await requireInScope(req, { kind: 'sensor', id: params.sensorId });
      return presentEffective(await settings.effectiveState(params.sensorId));
    },
  );

  routes.route(
    { method: 'post', path: '/preview', summary: 'Which sensors a change would affect and one sensor\'s resulting settings; saves nothing', permission: 'settings:write', body: previewBody },
    async ({ body }, req) => {
      await requireInScope(req, body.scope);
      if (body.sampleSensorId !== undefined) await requireInScope(req, { kind: 'sensor', id: body.sampleSensorId });
      return presentPreview(await previewChange(deps.previewService, deps.models, body.scope, body.settings, body.sampleSensorId));
    },
  );

  routes.route({ method: 'get', path: '/drift', summary: 'Per sensor: desired and applied revision, last apply result', permission: 'settings:read', query: driftQuery }, async ({ query }, req) => {
    const access = scopeOf(req);
    const items = await settings.driftReport(query);
    return { items: access ? items.filter((row) => access.covers(row)) : items };
  });

  return routes.apiRouter();
}
