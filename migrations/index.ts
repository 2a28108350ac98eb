/**
 * Every migration, in order. Add a file `NNN-what-it-does.ts` exporting a
 * `Migration` and list it here; never edit or renumber one that has shipped.
 */
import type { Migration } from '../server/src/platform/migrations/migration-runner.js';
import { migration as coreIndexes } from './001-core-indexes.js';

export const migrations: readonly Migration[] = [coreIndexes];
