/**
 * /api/v1/sensors: list and detail ('sensors:read'), rename and zone moves
 * ('sensors:manage'), revoke and delete ('sensors:revoke'). Every change is
 * audited. Deleting a sensor revokes its certificate first, so a deleted sensor
 * can never reconnect with it.
 *
 * A user with a site/zone scope lists only the sensors inside it, and reading
 * or changing any other sensor (or moving one to a zone outside it, or to
 * Unassigned) is refused with 403 naming the scope (http/access-scope.ts).
 */
import type { Request } from 'express';
import { scopeOf, type PlacementLookup } from '../../../http/access-scope.js';
import { principalOf } from '../../../http/auth.js';
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import { AppError } from '../../../platform/errors.js';
import type { FleetAudit } from '../fleet-audit.js';
import type { FleetService } from '../fleet-service-contract.js';
import { assignZoneBody, bulkAssignBody, listSensorsQuery, renameSensorBody, sensorIdParams } from './schema.js';
import type { SensorCommands } from './sensor-commands.js';
import type { SensorQueries } from './sensor-queries.js';

export interface SensorRouteDependencies {
  catalogue: ApiRouteCatalogue;
  fleet: FleetService;
  queries: SensorQueries;
  commands: SensorCommands;
  audit: FleetAudit;
  placements: PlacementLookup;
}

export function sensorRoutes({ catalogue, fleet, queries, commands, audit, placements }: SensorRouteDependencies): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/sensors', 'Sensors');

  /** Refuses (403) sensors outside the user's scope; a missing sensor is left to the handler's 404. */
  async function requireSensorsInScope(req: Request, sensorIds: string[]): Promise<void> {
    const scope = scopeOf(req);
    if (!scope) return;
    const found = await placements.ofSensors(sensorIds);
    for (const [sensorId, placement] of found) scope.require(placement, `Sensor ${sensorId}`);
  }

  async function requireZoneInScope(req: Request, zoneId: string | null): Promise<void> {
    const scope = scopeOf(req);
    if (!scope) return;
    if (zoneId === null) throw scope.refusal('Unassigned');
    const zone = await placements.ofZone(zoneId);
    if (zone) scope.require(zone, `Zone ${zoneId}`);
  }

  routes.route(
    { method: 'get', path: '/', summary: 'Sensors, filtered, sorted and paged: { items, total }', permission: 'sensors:read', query: listSensorsQuery },
    async ({ query }, req) => queries.list(query, scopeOf(req)),
  );

  routes.route(
    { method: 'get', path: '/:sensorId', summary: 'One sensor: state and why, health, clock drift, certificate expiry, placement', permission: 'sensors:read', params: sensorIdParams },
    async ({ params }, req) => {
      await requireSensorsInScope(req, [params.sensorId]);
      return queries.detail(params.sensorId);
    },
  );

  routes.route(
    { method: 'patch', path: '/:sensorId', summary: 'Rename a sensor (names are unique regardless of case)', permission: 'sensors:manage', params: sensorIdParams, body: renameSensorBody },
    async ({ params, body }, req) => {
      await requireSensorsInScope(req, [params.sensorId]);
      const { before, after } = await commands.rename(params.sensorId, body.name);
      await audit(req, { action: 'sensor.renamed', target: { kind: 'sensor', id: params.sensorId, name: after }, before: { name: before }, after: { name: after } });
      return queries.detail(params.sensorId);
    },
  );

  routes.route(
    { method: 'put', path: '/:sensorId/zone', summary: 'Move a sensor into a zone, or to Unassigned with zoneId null', permission: 'sensors:manage', params: sensorIdParams, body: assignZoneBody },
    async ({ params, body }, req) => {
      await requireSensorsInScope(req, [params.sensorId]);
      await requireZoneInScope(req, body.zoneId);
      const result = await commands.move([params.sensorId], body.zoneId);
      for (const sensor of result.moved) {
        await audit(req, {
          action: 'sensor.moved',
          target: { kind: 'sensor', id: sensor._id, name: sensor.name },
          before: { zoneId: sensor.zoneId },
          after: { zoneId: body.zoneId, zoneName: result.zone?.name ?? null },
        });
      }
      return queries.detail(params.sensorId);
    },
  );

  routes.route(
    { method: 'post', path: '/assign', summary: 'Move several sensors into one zone (or to Unassigned with zoneId null)', permission: 'sensors:manage', body: bulkAssignBody },
    async ({ body }, req) => {
      await requireSensorsInScope(req, body.sensorIds);
      await requireZoneInScope(req, body.zoneId);
      const result = await commands.move(body.sensorIds, body.zoneId);
      if (result.moved.length > 0) {
        await audit(req, {
          action: 'sensor.moved',
          target: { kind: 'zone', id: body.zoneId, name: result.zone?.name ?? 'Unassigned' },
          before: result.moved.map((sensor) => ({ sensorId: sensor._id, name: sensor.name, zoneId: sensor.zoneId })),
          after: { zoneId: body.zoneId, sensorCount: result.moved.length },
        });
      }
      return { moved: result.moved.length, unchanged: result.unchanged };
    },
  );

  routes.route(
    { method: 'post', path: '/:sensorId/revoke', summary: 'Revoke a sensor: its link closes and its certificate is refused from now on', permission: 'sensors:revoke', params: sensorIdParams },
    async ({ params }, req) => {
      await requireSensorsInScope(req, [params.sensorId]);
      const sensor = await queries.detail(params.sensorId);
      const revoked = await fleet.revoke(params.sensorId, { byUser: principalOf(req).username, remove: false });
      if (!revoked) throw new AppError('not_found', `No sensor with id ${params.sensorId}.`);
      await audit(req, { action: 'sensor.revoked', target: { kind: 'sensor', id: sensor.id, name: sensor.name }, after: { serialNumber: revoked.serialNumber } });
      return queries.detail(params.sensorId);
    },
  );

  routes.route(
    { method: 'delete', path: '/:sensorId', summary: 'Delete a sensor (its certificate is revoked first)', permission: 'sensors:revoke', params: sensorIdParams, status: 204 },
    async ({ params }, req) => {
      await requireSensorsInScope(req, [params.sensorId]);
      const sensor = await queries.detail(params.sensorId);
      const revoked = await fleet.revoke(params.sensorId, { byUser: principalOf(req).username, remove: true });
      if (!revoked) throw new AppError('not_found', `No sensor with id ${params.sensorId}.`);
      await audit(req, { action: 'sensor.deleted', target: { kind: 'sensor', id: sensor.id, name: sensor.name }, before: sensor, after: { serialNumber: revoked.serialNumber } });
    },
  );

  return routes.apiRouter();
}
