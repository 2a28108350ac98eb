/**
 * Files that hold secrets or trust anchors (master key, console CA, server
 * certificate). Two guarantees matter here:
 *  - a reader never sees half a file: content goes to a temporary file in the
 *    same directory, is fsynced, then renamed (or hard-linked) into place, and
 *    the directory entry is fsynced too, so a power cut leaves the old file or
 *    the new one;
 *  - two processes starting at once on the same directory do not both create
 *    "the" file: `createFileExclusive` commits with `link()`, which fails when
 *    the name exists, and `withLockFile` serialises multi-file work.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';

/** Owner read/write only: private keys, sealed keys, the master key. */
export const PRIVATE_FILE_MODE = 0o600;
/** Owner only: directories holding private files. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
/** Certificates are public. */
export const PUBLIC_FILE_MODE = 0o644;

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}

export function hasErrorCode(error: unknown, code: string): boolean {
  return isErrnoException(error) && error.code === code;
}

/** Creates the directory (and parents) owner-only when missing; an existing directory keeps its mode. */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

/** The file's content, or null when it does not exist. Other errors (permissions, EISDIR) propagate. */
export async function readFileIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return null;
    throw error;
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeTemporaryFile(target: string, data: string | Buffer, mode: number): Promise<string> {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(temporary, 'wx', mode);
  try {
    await handle.writeFile(data);
    // The mode passed to open() is filtered by the umask; set it exactly.
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temporary;
}

/** Replaces (or creates) `target` atomically with `data` and the given mode. */
export async function writeFileAtomic(target: string, data: string | Buffer, mode: number): Promise<void> {
  const temporary = await writeTemporaryFile(target, data, mode);
  try {
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/**
 * Creates `target` with `data` only if no file has that name, atomically and
 * with complete content. Returns false when another writer got there first;
 * the caller then reads the winner's file.
 */
export async function createFileExclusive(target: string, data: string | Buffer, mode: number): Promise<boolean> {
  const temporary = await writeTemporaryFile(target, data, mode);
  try {
    await link(temporary, target);
  } catch (error) {
    if (hasErrorCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  await fsyncDirectory(path.dirname(target));
  return true;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

export interface LockFileOptions {
  /** Give up waiting for another holder after this long. */
  timeoutMs?: number;
  /** A lock older than this is treated as left behind by a crashed process. */
  staleAfterMs?: number;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return hasErrorCode(error, 'EPERM');
  }
}

function parseLockOwner(content: Buffer | null): LockOwner | null {
  if (content === null) return null;
  try {
    const value: unknown = JSON.parse(content.toString('utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const { pid, host, token } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof token !== 'string') return null;
    return { pid, host, token };
  } catch {
    return null;
  }
}

async function lockIsStale(lockPath: string, staleAfterMs: number): Promise<boolean> {
  const owner = parseLockOwner(await readFileIfExists(lockPath));
  if (owner !== null && owner.host === hostname() && !processIsAlive(owner.pid)) return true;
  try {
    const info = await stat(lockPath);
    return Date.now() - info.mtimeMs > staleAfterMs;
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/**
 * Runs `work` while holding `lockPath`, a file created exclusively and removed
 * afterwards. A lock whose holder died (same host, pid gone) or that is older
 * than `staleAfterMs` is taken over. The lock avoids duplicate work and
 * interleaved multi-file writes; data that must never be created twice is
 * additionally committed with `createFileExclusive`, so a wrongly taken-over
 * lock costs time, not correctness.
 */
export async function withLockFile<T>(lockPath: string, work: () => Promise<T>, options: LockFileOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const staleAfterMs = options.staleAfterMs ?? 300_000;
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  let pause = 20;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', PRIVATE_FILE_MODE);
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if (!hasErrorCode(error, 'EEXIST')) throw error;
    }
    if (await lockIsStale(lockPath, staleAfterMs)) {
      await unlink(lockPath).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      const holder = parseLockOwner(await readFileIfExists(lockPath));
      const who = holder === null ? 'another process' : `process ${holder.pid} on ${holder.host}`;
      throw new AppError(
        'timeout',
        `Waited ${Math.round(timeoutMs / 1000)} s for the lock file ${lockPath}, held by ${who}. ` +
          'If no other Garrison process is starting on this data directory, delete that file and start again.',
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 250);
  }
  try {
    return await work();
  } finally {
    // Remove only our own lock: after a takeover the file may belong to someone else.
    const current = parseLockOwner(await readFileIfExists(lockPath));
    if (current?.token === owner.token) await unlink(lockPath).catch(() => undefined);
  }
}
