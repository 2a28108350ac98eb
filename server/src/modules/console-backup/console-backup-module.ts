/**
 * The console-backup module: the console's own backup (database, PKI, a
 * manifest; never the master key) daily at 03:30 and on demand, listed and
 * restored through /api/v1/console-backups and the CLI's `system backup`,
 * `system backup-list`, `system restore`. Provides the `consoleBackup` service.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { fleetAudit } from '../fleet/fleet-audit.js';
import { CONSOLE_BACKUP_SCHEDULE, consoleBackupJob } from './console-backup-job.js';
import { consoleBackupRoutes } from './console-backup-routes.js';
import { ConsoleBackupService } from './console-backup-service.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    consoleBackup: ConsoleBackupService;
  }
}

export function createConsoleBackupModule(context: ConsoleContext): ConsoleModule {
  const service = new ConsoleBackupService({
    db: context.db,
    dataDir: context.config.dataDir,
    version: context.version,
    storage: () => context.services.get('backupTargets'),
    logger: context.logger.child({ module: 'console-backup' }),
  });
  context.services.provide('consoleBackup', service);
  const job = consoleBackupJob(() => service);
  return {
    name: 'console-backup',
    apiRouters: [consoleBackupRoutes(context.apiRoutes, service, fleetAudit(context.services))],
    jobKinds: [job],
    async start() {
      await context.scheduler.every(CONSOLE_BACKUP_SCHEDULE, job, {});
    },
  };
}
