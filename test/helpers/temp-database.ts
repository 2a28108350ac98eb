/**
 * The embedded database alone (no console) in a temporary data directory,
 * for suites that test the database layer itself; `remove()` closes it and
 * deletes the directory.
 */
import { rm } from 'node:fs/promises';
import { createLogger } from '../../server/src/platform/logger.js';
import { openDatabase, type Database } from '../../server/src/platform/database/database.js';
import { makeTempDir } from './test-console.js';

export async function openTempDatabase(name: string): Promise<{ database: Database; remove: () => Promise<void> }> {
  const dataDir = await makeTempDir(name);
  const database = await openDatabase({ dataDir, logger: createLogger({ level: 'silent' }) });
  return {
    database,
    async remove() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
