/**
 * Every domain module, in start order (stop runs in reverse). Adding a module
 * is one line here.
 */
import type { ConsoleContext, ConsoleModule } from './platform/console-module.js';
import { createHealthModule } from './modules/health/health-module.js';
import { createFleetModule } from './modules/fleet/fleet-module.js';
import { createSettingsModule } from './modules/settings/settings-module.js';
import { createHousekeepingModule } from './modules/housekeeping/housekeeping-module.js';
import { createAuditModule } from './modules/audit/audit-module.js';
import { createUsersModule } from './modules/users/users-module.js';
import { createNotificationsModule } from './modules/notifications/notifications-module.js';
import { createEnrollmentModule } from './modules/enrollment/enrollment-module.js';
import { createPkiModule } from './modules/pki/pki-module.js';
import { createBackupStorageModule } from './modules/backup-storage/backup-storage-module.js';
import { createBackupsModule } from './modules/backups/backups-module.js';
import { createLinkModule } from './link/link-module.js';
import { createConsoleBackupModule } from './modules/console-backup/console-backup-module.js';
import { createWebConsoleModule } from './modules/web-console/web-console-module.js';
import { createCliModule } from './cli/cli-module.js';
import { createSnmpModule } from './snmp/snmp-module.js';

export function createModules(context: ConsoleContext): ConsoleModule[] {
  return [createHealthModule(context), createFleetModule(context), createSettingsModule(context), createHousekeepingModule(context), createAuditModule(context), createUsersModule(context), createNotificationsModule(context), createEnrollmentModule(context), createPkiModule(context), createBackupStorageModule(context), createBackupsModule(context), createLinkModule(context), createConsoleBackupModule(context), createWebConsoleModule(context), createCliModule(context), createSnmpModule(context)];
}
