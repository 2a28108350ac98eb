/**
 * The daily console backup (03:30 console time) to the built-in local target.
 * Running twice makes two backups a second apart: harmless, so the handler
 * needs no bookkeeping to be idempotent.
 */
import { z } from 'zod';
import type { JobKind } from '../../platform/jobs/job-scheduler.js';
import type { ConsoleBackupService } from './console-backup-service.js';

export const CONSOLE_BACKUP_SCHEDULE = '30 3 * * *';

export function consoleBackupJob(service: () => ConsoleBackupService): JobKind<z.ZodObject<Record<string, never>>> {
  return {
    name: 'console-backup',
    data: z.strictObject({}),
    async run() {
      await service().create();
    },
  };
}
