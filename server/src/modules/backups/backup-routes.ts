/**
 * The backup API:
 *   POST /sensors/:sensorId/backups, POST /zones/:zoneId/backups   back up now ('sensors:manage')
 *   GET  /sensors/:sensorId/backups                                 a sensor's stored backups ('backups:read')
 *   GET  /backups/runs[?sensorId&status&from&to&limit&offset], GET /backups/runs/:runId   runs with progress
 *   GET/POST /backups/schedules, GET/PATCH/DELETE /backups/schedules/:scheduleId   overrides ('backups:manage' to change)
 *   GET/PATCH /backups/policy                                       retention, spread window, thresholds
 *   GET  /backups/:fileId/download                                  streamed ('backups:download', admins)
 *   POST /backups/:fileId/restore { sensorId }                      ('backups:restore', admins)
 * Every change and every restore (refused or failed too) is audited.
 */
import type { Request } from 'express';
import { pipeline } from 'node:stream/promises';
import { principalOf } from '../../http/auth.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import type { ServiceRegistry } from '../../platform/console-module.js';
import { isAppError } from '../../platform/errors.js';
import type { AuditEntry } from '../audit/audit-trail.js';
import { auditContextOf } from '../audit/audit-request.js';
import { presentFile, presentPolicy, presentRun, presentSchedule } from './backup-presenter.js';
import type { BackupsService } from './backups-service.js';
import {
  createScheduleBody,
  fileIdParams,
  listRunsQuery,
  restoreBody,
  runIdParams,
  scheduleIdParams,
  sensorIdParams,
  updatePolicyBody,
  updateScheduleBody,
  zoneIdParams,
} from './schema.js';

type AuditFields = Omit<AuditEntry, 'actor' | 'sourceAddress' | 'outcome'> & { outcome?: AuditEntry['outcome'] };

export function backupRoutes(catalogue: ApiRouteCatalogue, backups: BackupsService, services: ServiceRegistry): ApiRouter[] {
  async function audit(req: Request, entry: AuditFields): Promise<void> {
    let trail;
    try {
      trail = services.get('audit');
    } catch {
      return;
    }
    await trail.record({ ...auditContextOf(req), outcome: 'success', ...entry });
  }

  const sensors = new DescribedRouter(catalogue, '/sensors', 'Backups');
  sensors.route(
    { method: 'post', path: '/:sensorId/backups', summary: 'Back up a sensor now (queued; follow it in /backups/runs)', permission: 'sensors:manage', params: sensorIdParams, status: 202 },
    async ({ params }, req) => {
      const run = await backups.backUpSensorNow(params.sensorId, principalOf(req).username);
      await audit(req, { action: 'backup.requested', target: { kind: 'sensor', id: run.sensorId, name: run.sensorName }, after: presentRun(run) });
      return presentRun(run);
    },
  );
  sensors.route({ method: 'get', path: '/:sensorId/backups', summary: "A sensor's stored backups, newest first", permission: 'backups:read', params: sensorIdParams }, async ({ params }) => ({
    items: (await backups.listFiles(params.sensorId)).map(presentFile),
  }));

  const zones = new DescribedRouter(catalogue, '/zones', 'Backups');
  zones.route(
    { method: 'post', path: '/:zoneId/backups', summary: 'Back up every sensor of a zone now (queued, at most four at once)', permission: 'sensors:manage', params: zoneIdParams, status: 202 },
    async ({ params }, req) => {
      const runs = await backups.backUpZoneNow(params.zoneId, principalOf(req).username);
      await audit(req, { action: 'backup.requested', target: { kind: 'zone', id: params.zoneId, name: null }, reason: `${runs.length} sensors queued`, after: runs.map((run) => run._id) });
      return { items: runs.map(presentRun) };
    },
  );

  const routes = new DescribedRouter(catalogue, '/backups', 'Backups');
  routes.route({ method: 'get', path: '/runs', summary: 'Backup runs, newest first (filter by sensor, status, time)', permission: 'backups:read', query: listRunsQuery }, async ({ query }) => {
    const { items, total } = await backups.listRuns(query);
    return { items: items.map(presentRun), total, limit: query.limit, offset: query.offset };
  });
  routes.route({ method: 'get', path: '/runs/:runId', summary: 'One backup run, with bytes received so far while it runs', permission: 'backups:read', params: runIdParams }, async ({ params }) =>
    presentRun(await backups.getRun(params.runId)),
  );

  routes.route({ method: 'get', path: '/schedules', summary: 'Backup schedule overrides (the default is daily at the policy time)', permission: 'backups:read' }, async () => ({
    items: (await backups.listSchedules()).map(presentSchedule),
  }));
  routes.route({ method: 'post', path: '/schedules', summary: 'Add a schedule override for a site, zone or sensor', permission: 'backups:manage', body: createScheduleBody, status: 201 }, async ({ body }, req) => {
    const schedule = presentSchedule(await backups.createSchedule(body));
    await audit(req, { action: 'backup.schedule-created', target: { kind: 'backupSchedule', id: schedule.id, name: `${schedule.scope} ${schedule.scopeId}` }, after: schedule });
    return schedule;
  });
  routes.route({ method: 'get', path: '/schedules/:scheduleId', summary: 'One schedule override', permission: 'backups:read', params: scheduleIdParams }, async ({ params }) =>
    presentSchedule(await backups.getSchedule(params.scheduleId)),
  );
  routes.route(
    { method: 'patch', path: '/schedules/:scheduleId', summary: 'Change a schedule override (enabled, time, target)', permission: 'backups:manage', params: scheduleIdParams, body: updateScheduleBody },
    async ({ params, body }, req) => {
      const { before, after } = await backups.updateSchedule(params.scheduleId, body);
      await audit(req, { action: 'backup.schedule-updated', target: { kind: 'backupSchedule', id: after._id, name: `${after.scope} ${after.scopeId}` }, before: presentSchedule(before), after: presentSchedule(after) });
      return presentSchedule(after);
    },
  );
  routes.route({ method: 'delete', path: '/schedules/:scheduleId', summary: 'Remove a schedule override', permission: 'backups:manage', params: scheduleIdParams, status: 204 }, async ({ params }, req) => {
    const removed = await backups.deleteSchedule(params.scheduleId);
    await audit(req, { action: 'backup.schedule-deleted', target: { kind: 'backupSchedule', id: removed._id, name: `${removed.scope} ${removed.scopeId}` }, before: presentSchedule(removed) });
  });

  routes.route({ method: 'get', path: '/policy', summary: 'Retention, spread window, missing-backup threshold, run timeout', permission: 'backups:read' }, async () => presentPolicy(await backups.getPolicy()));
  routes.route({ method: 'patch', path: '/policy', summary: 'Change the backup policy', permission: 'backups:manage', body: updatePolicyBody }, async ({ body }, req) => {
    const { before, after } = await backups.updatePolicy(body);
    await audit(req, { action: 'backup.policy-updated', target: { kind: 'backupPolicy', id: 'policy', name: 'Backup policy' }, before: presentPolicy(before), after: presentPolicy(after) });
    return presentPolicy(after);
  });

  routes.route({ method: 'get', path: '/:fileId/download', summary: 'Download a stored backup (streamed)', permission: 'backups:download', params: fileIdParams }, async ({ params }, req, res) => {
    const file = await backups.getFile(params.fileId);
    const stream = await services.get('backupStorage').driverFor(file.targetId).then((driver) => driver.read(file.name));
    await audit(req, { action: 'backup.downloaded', target: { kind: 'backupFile', id: file._id, name: file.name } });
    res.status(200).set({ 'content-type': 'application/x-tar', 'content-length': String(file.sizeBytes), 'content-disposition': `attachment; filename="${file.name}"`, 'cache-control': 'no-store' });
    await pipeline(stream, res);
    return undefined;
  });

  routes.route({ method: 'post', path: '/:fileId/restore', summary: 'Restore a backup onto a sensor of the same version', permission: 'backups:restore', params: fileIdParams, body: restoreBody }, async ({ params, body }, req) => {
    const target = { kind: 'sensor', id: body.sensorId, name: null };
    try {
      const result = await backups.restore(params.fileId, body.sensorId);
      await audit(req, { action: 'backup.restored', target, reason: `Backup file ${params.fileId} restored`, after: result });
      return result;
    } catch (error) {
      await audit(req, { action: 'backup.restored', target, outcome: 'failure', reason: isAppError(error) ? error.message : 'The restore failed.' });
      throw error;
    }
  });

  return [sensors.apiRouter(), zones.apiRouter(), routes.apiRouter()];
}
