/**
 * The backup-storage module: backup targets (the built-in local directory,
 * other directories, SMB shares through smbclient), their drivers, and
 * /api/v1/backup-targets. Provides the `backupStorage` service
 * (storage-driver.ts is the contract).
 */
import path from 'node:path';
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { fleetAudit } from '../fleet/fleet-audit.js';
import { BackupStorage } from './backup-storage-service.js';
import { TARGETS_COLLECTION, type TargetDocument } from './target-document.js';
import { backupTargetRoutes } from './target-routes.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    /** The same object as `backupStorage`, with the target administration the API and the console backup use. */
    backupTargets: BackupStorage;
  }
}

/** Where the built-in local target keeps its files. */
export function builtInTargetDirectory(dataDir: string): string {
  return path.resolve(dataDir, 'sensor-backups');
}

export function createBackupStorageModule(context: ConsoleContext): ConsoleModule {
  const storage = new BackupStorage({
    collection: context.db.collection<TargetDocument>(TARGETS_COLLECTION),
    secretBox: context.secretBox,
    builtInDirectory: builtInTargetDirectory(context.config.dataDir),
    logger: context.logger.child({ module: 'backup-storage' }),
  });
  context.services.provide('backupStorage', storage);
  context.services.provide('backupTargets', storage);
  return {
    name: 'backup-storage',
    apiRouters: [backupTargetRoutes(context.apiRoutes, storage, fleetAudit(context.services))],
    async start() {
      await storage.start();
    },
  };
}
