/**
 * Every migration, in order. Add a file `NNN-what-it-does.ts` exporting a
 * `Migration` and list it here; never edit or renumber one that has shipped.
 */
import type { Migration } from '../server/src/platform/migrations/migration-runner.js';
import { migration as coreIndexes } from './001-core-indexes.js';
import { migration as fleetIndexes } from './002-fleet-indexes.js';
import { migration as connectionStrings } from './003-connection-strings.js';
import { migration as usersAndAudit } from './004-users-and-audit.js';
import { migration as notifications } from './005-notifications.js';
import { migration as settings } from './006-settings.js';

export const migrations: readonly Migration[] = [coreIndexes, fleetIndexes, connectionStrings, usersAndAudit, notifications, settings];
