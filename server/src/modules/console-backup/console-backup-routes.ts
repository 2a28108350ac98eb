/**
 * /api/v1/console-backups: listing needs 'backups:read'; making a backup and
 * restoring one need 'system:manage' (Admin). Both are audited; a restore's
 * answer says the console must be restarted.
 */
import { z } from 'zod';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import type { FleetAudit } from '../fleet/fleet-audit.js';
import type { ConsoleBackupService } from './console-backup-service.js';

const targetField = z.uuid('must be a backup target id (UUID)').optional();
const createBody = z.strictObject({ targetId: targetField });
const listQuery = z.strictObject({ targetId: targetField });
const nameParams = z.strictObject({ name: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters') });

export function consoleBackupRoutes(catalogue: ApiRouteCatalogue, service: ConsoleBackupService, audit: FleetAudit): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/console-backups', 'Console backup');

  routes.route({ method: 'get', path: '/', summary: "The console's own backups on a target (newest first)", permission: 'backups:read', query: listQuery }, async ({ query }) => ({
    items: await service.list(query.targetId),
  }));

  routes.route(
    { method: 'post', path: '/', summary: "Back up the console's database and PKI now", permission: 'system:manage', body: createBody, status: 201 },
    async ({ body }, req) => {
      const backup = await service.create(body.targetId);
      await audit(req, { action: 'console-backup.created', target: { kind: 'consoleBackup', id: backup.name, name: backup.name }, after: { targetId: backup.targetId, sizeBytes: backup.sizeBytes } });
      return backup;
    },
  );

  routes.route(
    {
      method: 'post',
      path: '/:name/restore',
      summary: 'Restore a console backup of this version (replaces every collection and the PKI files; restart afterwards)',
      permission: 'system:manage',
      params: nameParams,
      body: createBody,
    },
    async ({ params, body }, req) => {
      const restored = await service.restore(params.name, body.targetId);
      await audit(req, { action: 'console-backup.restored', target: { kind: 'consoleBackup', id: restored.name, name: restored.name }, after: { collections: restored.collections, files: restored.files } });
      return restored;
    },
  );

  return routes.apiRouter();
}
