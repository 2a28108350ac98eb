/**
 * `system backup`, `system backup-list` and `system restore <name>`: the
 * console's own backup from the SSH CLI, through the same service as
 * /api/v1/console-backups. Backing up and restoring are for admins
 * ('system:manage') and audited. A restore asks twice, as the appliance CLI
 * did, and only in an interactive session; a backup of another version is
 * refused before any question.
 */
import { z } from 'zod';
import type { AuditTrail } from '../../modules/audit/audit-trail.js';
import { parseConsoleBackupName } from '../../modules/console-backup/console-backup-name.js';
import type { ConsoleBackupService } from '../../modules/console-backup/console-backup-service.js';
import { AppError } from '../../platform/errors.js';
import { defineCommand, defineCommandWithoutArguments, lines, recordCliAction, type CliCommand } from '../cli-command.js';

export interface ConsoleBackupCommandsDeps {
  backups: () => ConsoleBackupService;
  audit: () => AuditTrail;
  version: string;
}

const RESTORE_WARNING =
  'WARNING - the following procedure will replace the console database and PKI files with the backup. Do not stop the console while it runs. Are you sure you wish to proceed?';

export function consoleBackupCommands(deps: ConsoleBackupCommandsDeps): CliCommand[] {
  return [
    defineCommandWithoutArguments({
      words: ['system', 'backup'],
      summary: "Backs up the console's database and PKI now (to the built-in local target)",
      permission: 'system:manage',
      async run(_args, invocation) {
        const backup = await deps.backups().create();
        await recordCliAction(deps.audit(), invocation, {
          action: 'console-backup.created',
          target: { kind: 'consoleBackup', id: backup.name, name: backup.name },
        });
        return lines(`Backup written: ${backup.name} (${backup.sizeBytes} bytes, ${backup.collections.length} collections, ${backup.files} PKI files).`);
      },
    }),
    defineCommandWithoutArguments({
      words: ['system', 'backup-list'],
      summary: "The console's own backups on the built-in local target, newest first",
      permission: 'backups:read',
      async run() {
        const backups = await deps.backups().list();
        if (backups.length === 0) return lines('No console backups yet.');
        return lines(...backups.map((backup) => `${backup.name}  ${backup.sizeBytes} bytes`));
      },
    }),
    defineCommand({
      words: ['system', 'restore'],
      summary: 'Restores a console backup of this version (asks twice); restart the console afterwards',
      usage: '<name>',
      permission: 'system:manage',
      positionals: ['name'],
      options: {},
      schema: z.strictObject({ name: z.string('is missing: give the backup file name (see system backup-list)').min(1, 'must not be empty') }),
      async run(args, invocation) {
        const parsed = parseConsoleBackupName(args.name);
        if (!parsed) throw new AppError('validation_failed', `"${args.name}" is not a console backup's name (see system backup-list).`);
        if (parsed.version !== deps.version) {
          throw new AppError('conflict', `This backup was made by console version ${parsed.version}; this console is version ${deps.version}. A backup restores only onto the same version.`);
        }
        if (!invocation.ask) throw new AppError('bad_request', 'system restore asks for confirmation: run it in an interactive session (ssh without a command).');
        if (!(await invocation.ask(`Use backup file as "${args.name}" ?`)) || !(await invocation.ask(RESTORE_WARNING))) return lines('Restore cancelled; nothing was changed.');
        const restored = await deps.backups().restore(args.name);
        await recordCliAction(deps.audit(), invocation, {
          action: 'console-backup.restored',
          target: { kind: 'consoleBackup', id: restored.name, name: restored.name },
        });
        const documents = Object.values(restored.collections).reduce((sum, count) => sum + count, 0);
        return lines(`Restored ${Object.keys(restored.collections).length} collections (${documents} documents) and ${restored.files} PKI files from ${restored.name}.`, restored.message);
      },
    }),
  ];
}
