/**
 * /api/v1/backup-targets: reading needs 'backups:read'; creating, changing,
 * deleting and testing a target need 'backups:manage' (Admin). Every change is
 * audited with before/after views, which never hold the SMB password.
 */
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import type { FleetAudit } from '../fleet/fleet-audit.js';
import type { BackupStorage } from './backup-storage-service.js';
import { createTargetBody, targetIdParams, updateTargetBody } from './target-schema.js';

export function backupTargetRoutes(catalogue: ApiRouteCatalogue, storage: BackupStorage, audit: FleetAudit): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/backup-targets', 'Backups');

  routes.route({ method: 'get', path: '/', summary: 'Every backup target (passwords masked)', permission: 'backups:read' }, async () => ({
    items: await storage.list(),
  }));

  routes.route({ method: 'get', path: '/:targetId', summary: 'One backup target', permission: 'backups:read', params: targetIdParams }, async ({ params }) =>
    storage.get(params.targetId),
  );

  routes.route(
    { method: 'post', path: '/', summary: 'Create a local or SMB backup target', permission: 'backups:manage', body: createTargetBody, status: 201 },
    async ({ body }, req) => {
      const target = await storage.create(body);
      await audit(req, { action: 'backup-target.created', target: { kind: 'backupTarget', id: target.id, name: target.name }, after: target });
      return target;
    },
  );

  routes.route(
    {
      method: 'put',
      path: '/:targetId',
      summary: 'Change a backup target (leave the password out to keep it)',
      permission: 'backups:manage',
      params: targetIdParams,
      body: updateTargetBody,
    },
    async ({ params, body }, req) => {
      const { before, after } = await storage.update(params.targetId, body);
      await audit(req, { action: 'backup-target.updated', target: { kind: 'backupTarget', id: after.id, name: after.name }, before, after });
      return after;
    },
  );

  routes.route(
    { method: 'delete', path: '/:targetId', summary: 'Delete a backup target no schedule uses (409 otherwise)', permission: 'backups:manage', params: targetIdParams, status: 204 },
    async ({ params }, req) => {
      const target = await storage.remove(params.targetId);
      await audit(req, { action: 'backup-target.deleted', target: { kind: 'backupTarget', id: target.id, name: target.name }, before: target });
    },
  );

  routes.route(
    { method: 'post', path: '/:targetId/test', summary: 'Test connection: write, read back and delete a probe file; report free space', permission: 'backups:manage', params: targetIdParams },
    async ({ params }, req) => {
      const result = await storage.testConnection(params.targetId);
      const target = await storage.get(params.targetId);
      await audit(req, {
        action: result.ok ? 'backup-target.tested' : 'backup-target.test-failed',
        target: { kind: 'backupTarget', id: target.id, name: target.name },
        ...(result.ok ? {} : { reason: result.message }),
      });
      return result;
    },
  );

  routes.route(
    { method: 'get', path: '/:targetId/usage', summary: 'Files, bytes and free space on a backup target', permission: 'backups:read', params: targetIdParams },
    async ({ params }) => storage.usage(params.targetId),
  );

  return routes.apiRouter();
}
