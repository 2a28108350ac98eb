/**
 * Finds, or builds once per machine, the FerretDB server binary that backs the
 * embedded database.
 *
 * The binary lives in a cache outside the checkout, keyed by version, so a fresh
 * clone or a `git clean` does not rebuild it and a version bump does:
 * `$GARRISON_CACHE_DIR` or `${XDG_CACHE_HOME:-$HOME/.cache}/garrison`, then
 * `ferretdb/<version>-<patch level>/ferretdb`. `GARRISON_FERRETDB_BIN` points at a
 * binary built elsewhere (it must report the pinned version; an unpatched build
 * works, with slower `_id` lookups).
 *
 * Why not `go install …@v1.24.2`: the module proxy refuses FerretDB's version list
 * for that path, and the published module ships an empty
 * `build/version/version.txt`, so a plain build panics at start. We therefore
 * download the module source, write the version file into a writable copy, apply
 * Garrison's patches (ferretdb-patches.ts: `_id` lookups use the `_id` index) and
 * build that copy. Every external command is spawned with an argument array.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { FERRETDB_PATCH_LEVEL, patchFerretDbSource } from './ferretdb-patches.js';

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/** A build with a cold Go cache takes about 3 minutes here; far more means something is stuck. */
const DEFAULT_BUILD_TIMEOUT_MS = 15 * 60_000;
/** A lock older than the longest possible build belongs to a process that died mid-build. */
const STALE_LOCK_MS = DEFAULT_BUILD_TIMEOUT_MS + 5 * 60_000;
/** Grace for a lock directory whose owner has not yet written its owner file. */
const OWNERLESS_LOCK_GRACE_MS = 60_000;
const LOCK_POLL_MS = 1_000;
const OUTPUT_CAP_BYTES = 1024 * 1024;

export interface FerretDbBinary {
  path: string;
  /** `override`: GARRISON_FERRETDB_BIN; `cache`: built earlier; `built`: built by this call. */
  source: 'override' | 'cache' | 'built';
  /** Wall time of the build, when this call built it. */
  buildMs?: number;
}

export interface EnsureFerretDbOptions {
  logger: Logger;
  /** Environment to read the cache location and override from; `process.env` when omitted. */
  env?: NodeJS.ProcessEnv;
  buildTimeoutMs?: number;
  /** How long to wait for another process that is building the same version. */
  lockWaitMs?: number;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

/** The per-machine cache directory for Garrison's downloaded or built artefacts. */
export function garrisonCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = nonEmpty(env.GARRISON_CACHE_DIR);
  if (explicit) return path.resolve(explicit);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'garrison');
  const home = nonEmpty(env.HOME) ?? os.homedir();
  return path.join(home, '.cache', 'garrison');
}

export function cachedFerretDbPath(cacheDir: string): string {
  return path.join(cacheDir, 'ferretdb', `${FERRETDB_VERSION}-${FERRETDB_PATCH_LEVEL}`, 'ferretdb');
}

/**
 * Returns a FerretDB binary of the pinned version, building it when the cache has
 * none. Safe to call from several processes at once: one builds, the others wait.
 */
export async function ensureFerretDbBinary(options: EnsureFerretDbOptions): Promise<FerretDbBinary> {
  const env = options.env ?? process.env;
  const override = nonEmpty(env.GARRISON_FERRETDB_BIN);
  if (override) {
    const binary = path.resolve(override);
    const version = await readBinaryVersion(binary);
    if (version !== FERRETDB_VERSION) {
      throw new AppError(
        'dependency_unavailable',
        `GARRISON_FERRETDB_BIN points at ${binary}, which ${version === null ? 'is not a runnable FerretDB binary' : `is FerretDB ${version}`}; Garrison needs FerretDB ${FERRETDB_VERSION}. Unset it to let Garrison build the right version.`,
      );
    }
    return { path: binary, source: 'override' };
  }

  const target = cachedFerretDbPath(garrisonCacheDir(env));
  if ((await readBinaryVersion(target)) === FERRETDB_VERSION) return { path: target, source: 'cache' };

  const versionDir = path.dirname(target);
  await fs.mkdir(versionDir, { recursive: true });
  return withBuildLock(`${versionDir}.lock`, options.lockWaitMs ?? STALE_LOCK_MS, options.logger, async () => {
    // Another process may have finished the build while we waited for the lock.
    if ((await readBinaryVersion(target)) === FERRETDB_VERSION) return { path: target, source: 'cache' };
    const started = Date.now();
    await buildFerretDb(target, env, options.buildTimeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS, options.logger);
    const buildMs = Date.now() - started;
    options.logger.info({ path: target, buildMs }, `built FerretDB ${FERRETDB_VERSION}`);
    return { path: target, source: 'built', buildMs };
  });
}

/** The version a binary reports with `--version`, or null when it is missing, not executable or not FerretDB. */
export async function readBinaryVersion(binary: string): Promise<string | null> {
  try {
    await fs.access(binary, fsConstants.X_OK);
    const { stdout } = await runCommand(binary, ['--version'], { timeoutMs: 15_000 });
    return /^version: (\S+)$/m.exec(stdout)?.[1] ?? null;
  } catch {
    return null;
  }
}

const goModDownloadSchema = z.object({
  Dir: z.string().min(1).optional(),
  Error: z.string().optional(),
});

async function buildFerretDb(target: string, env: NodeJS.ProcessEnv, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1_000, deadline - Date.now());
  const goEnv: NodeJS.ProcessEnv = {
    ...env,
    // The copied module is not a git checkout, so VCS stamping would fail the build.
    GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim(),
  };

  const goVersion = await runGo(['version'], { env: goEnv, timeoutMs: 60_000 });
  logger.info(
    { go: goVersion.stdout.trim(), target },
    `building FerretDB ${FERRETDB_VERSION}, the embedded database (once per machine: seconds with a warm Go build cache, about 3 minutes without)`,
  );

  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'garrison-ferretdb-build-'));
  const partial = `${target}.partial-${process.pid}`;
  try {
    const moduleDir = path.join(workDir, 'download');
    await fs.mkdir(moduleDir);
    await runGo(['mod', 'init', 'garrison-ferretdb-build'], { cwd: moduleDir, env: goEnv, timeoutMs: 60_000 });
    const download = await runGo(['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
      cwd: moduleDir,
      env: goEnv,
      timeoutMs: remaining(),
    });
    const info = goModDownloadSchema.parse(JSON.parse(download.stdout));
    if (info.Error !== undefined || info.Dir === undefined) {
      throw new AppError('dependency_unavailable', `Downloading FerretDB ${FERRETDB_VERSION} failed: ${info.Error ?? 'no module directory reported'}`);
    }

    // The module cache copy is read-only; build from a writable copy so the version file can be filled in.
    const sourceDir = path.join(workDir, 'source');
    await fs.cp(info.Dir, sourceDir, { recursive: true });
    await makeOwnerWritable(sourceDir);
    await fs.writeFile(path.join(sourceDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await patchFerretDbSource(sourceDir);

    await runGo(['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: sourceDir, env: goEnv, timeoutMs: remaining() });
    await fs.chmod(partial, 0o755);
    const built = await readBinaryVersion(partial);
    if (built !== FERRETDB_VERSION) {
      throw new AppError('internal', `The FerretDB binary just built reports version ${built ?? '(none)'} instead of ${FERRETDB_VERSION}.`);
    }
    // rename() within one directory is atomic: readers see the old state or a complete binary.
    await fs.rename(partial, target);
  } finally {
    await fs.rm(partial, { force: true });
    await makeOwnerWritable(workDir).catch(() => undefined);
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

async function makeOwnerWritable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o700);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const entryPath = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await makeOwnerWritable(entryPath);
    } else if (entry.isFile()) {
      const { mode } = await fs.stat(entryPath);
      await fs.chmod(entryPath, mode | 0o200);
    }
  }
}

interface CommandOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
}

interface CommandOutput {
  stdout: string;
  stderr: string;
}

class CommandError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

async function runGo(args: string[], options: CommandOptions): Promise<CommandOutput> {
  try {
    return await runCommand('go', args, options);
  } catch (error) {
    if (error instanceof CommandError && error.code === 'ENOENT') {
      throw new AppError(
        'dependency_unavailable',
        `Go is needed once to build the embedded database (FerretDB ${FERRETDB_VERSION}), and no \`go\` command was found on PATH. ` +
          'Install Go (https://go.dev/dl/) and run `npm run database:install`, or set MONGODB_URI to use an existing MongoDB server.',
      );
    }
    if (error instanceof CommandError) {
      const tail = error.stderr.trim().split('\n').slice(-20).join('\n');
      throw new AppError('dependency_unavailable', `Building the embedded database failed at \`go ${args.join(' ')}\`: ${error.message}`, {
        stderr: tail,
      });
    }
    throw error;
  }
}

/** Runs a program (never through a shell) and collects its output; rejects on a non-zero exit or timeout. */
function runCommand(file: string, args: string[], options: CommandOptions): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes < OUTPUT_CAP_BYTES) stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      // Keep the end of stderr: that is where a compiler or network error is.
      stderr.push(chunk);
      stderrBytes += chunk.length;
      while (stderrBytes > OUTPUT_CAP_BYTES && stderr.length > 1) stderrBytes -= stderr.shift()?.length ?? 0;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CommandError(`${file} could not be started: ${error.message}`, error.code ?? null, ''));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
      if (code === 0) {
        resolve(out);
      } else {
        const why = timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${signal ?? `code ${code}`}`;
        reject(new CommandError(why, null, out.stderr));
      }
    });
  });
}

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: number;
}

const lockOwnerSchema = z.object({ pid: z.number().int(), hostname: z.string(), startedAt: z.number() });

/**
 * A cross-process lock: `mkdir` is atomic, so whoever creates the directory owns it.
 * A lock is stale when its owner on this host is gone, or when it is older than any
 * build could take (an owner on another host sharing the cache, or a reused pid).
 */
async function withBuildLock<T>(lockDir: string, waitMs: number, logger: Logger, work: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await isStaleLock(lockDir)) {
      logger.warn({ lockDir }, 'removing a stale FerretDB build lock left by a process that is gone');
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > giveUpAt) {
      throw new AppError('timeout', `Timed out waiting for another process to finish building FerretDB (lock ${lockDir}). If no build is running, delete that directory.`);
    }
    if (!announced) {
      logger.info({ lockDir }, `another process is building FerretDB ${FERRETDB_VERSION}; waiting for it`);
      announced = true;
    }
    await sleep(LOCK_POLL_MS);
  }

  try {
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: Date.now() };
    await fs.writeFile(path.join(lockDir, 'owner.json'), JSON.stringify(owner));
    return await work();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

async function isStaleLock(lockDir: string): Promise<boolean> {
  let ownerText: string;
  try {
    ownerText = await fs.readFile(path.join(lockDir, 'owner.json'), 'utf8');
  } catch {
    // Between mkdir and writing owner.json the file is missing for a moment.
    const info = await fs.stat(lockDir).catch(() => null);
    return info !== null && Date.now() - info.mtimeMs > OWNERLESS_LOCK_GRACE_MS;
  }
  const parsed = lockOwnerSchema.safeParse(safeJson(ownerText));
  if (!parsed.success) return true;
  const owner = parsed.data;
  if (Date.now() - owner.startedAt > STALE_LOCK_MS) return true;
  return owner.hostname === os.hostname() && !isProcessAlive(owner.pid);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
