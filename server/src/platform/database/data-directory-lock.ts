/**
 * One writer per embedded database. FerretDB v1 does not isolate updates across
 * connections (see database.ts), so the console talks to it through a single
 * connection — which only works if no other process writes to the same files.
 * This lock file (`<dataDir>/db/garrison.lock`, holding the owner's pid) refuses a
 * second console or the migrate CLI on a data directory that is in use, and is
 * taken over when its owner is gone (a crash leaves it behind).
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { createFileExclusive, ensurePrivateDirectory, hasErrorCode } from '../secrets/private-file.js';

export interface DataDirectoryLock {
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else — still alive.
    return hasErrorCode(error, 'EPERM');
  }
}

export async function lockDataDirectory(dataDir: string): Promise<DataDirectoryLock> {
  const directory = path.join(dataDir, 'db');
  const lockFile = path.join(directory, 'garrison.lock');
  await ensurePrivateDirectory(directory);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (await createFileExclusive(lockFile, `${process.pid}\n`, 0o600)) {
      return {
        async release() {
          const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
          if (owner === process.pid) await rm(lockFile, { force: true });
        },
      };
    }
    const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
      throw new AppError(
        'conflict',
        `Another Garrison process (pid ${owner}) is using the embedded database in ${directory}. ` +
          'Stop it first (the migrate command too needs the console stopped), or set GARRISON_DATA_DIR to another directory.',
      );
    }
    if (owner === process.pid) {
      throw new AppError('conflict', `This process already has the embedded database in ${directory} open.`);
    }
    // The owner is gone: remove its leftover lock and try again.
    await rm(lockFile, { force: true });
  }
  throw new AppError('conflict', `Could not take the lock ${lockFile}; another process keeps taking it.`);
}
