/**
 * The reference capture-core adapter: a capture core represented by a
 * directory (its root), for development, tests and the bench.
 *   <root>/core.json    { "name"?: string, "version"?: string }   facts (defaults: host name, "0.0.0-reference")
 *   <root>/stats.json   { "packets": number, "bytes": number }    cumulative capture counters, written by the core
 * Health is computed from real data: rates are counter deltas between two
 * health calls, disk use is fs.statfs of the root (as `df` reports it).
 * Settings are applied with applySettingsFiles under the root (see
 * settings-files.ts), then the optional reload command runs (an argument
 * array, never a shell string) when a file changed.
 * Backups: a tar of the root without its `pcaps` and `logs` folders (the seed
 * documents' "configuration and data, not PCAPs and logs"). A restore checks
 * the whole archive first (see backup/tar-extract.ts: nothing may land outside
 * the root), extracts it into a staging folder inside the root, and only then
 * replaces the root's contents (pcaps and logs stay as they are).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { extractTar } from '../backup/tar-extract.js';
import { tarDirectory } from '../backup/tar-directory.js';
import type { CaptureCore, CoreFacts, CoreHealth, ProducedBackup } from './capture-core.js';
import { applySettingsFiles, type CommandRunner } from './settings-files.js';

export interface DirectoryCoreOptions {
  /** Run after applying settings changed a file, e.g. ['systemctl', 'restart', 'chrony']; no shell. */
  reloadCommand?: readonly string[];
}

const RELOAD_TIMEOUT_MS = 30_000;
/** Present while a reload is owed: written before the reload command runs, removed once it succeeded. */
const RELOAD_PENDING_FILE = 'garrison/.reload-pending';

/** Runs the reload command without a shell; a failure says which command, how it ended and the first line it printed. */
const runReloadCommand: CommandRunner = (argv) =>
  new Promise((resolve, reject) => {
    const [command, ...args] = argv;
    if (!command) return reject(new Error('The reload command is empty.'));
    execFile(command, args, { timeout: RELOAD_TIMEOUT_MS, windowsHide: true }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const failure = error as Error & { code?: number | string; killed?: boolean; signal?: string | null };
      const said = String(stderr).trim().split('\n')[0]?.slice(0, 200) ?? '';
      const how = failure.killed
        ? `did not finish within ${RELOAD_TIMEOUT_MS / 1000} s`
        : typeof failure.code === 'number'
          ? `exited with code ${failure.code}`
          : failure.code === 'ENOENT'
            ? 'was not found'
            : failure.signal
              ? `was killed by ${failure.signal}`
              : `failed (${failure.message})`;
      reject(new Error(`The reload command ${path.basename(command)} ${how}${said ? `: ${said}` : ''}.`));
    });
  });

const factsFileSchema = z.strictObject({ name: z.string().min(1).max(63).optional(), version: z.string().min(1).max(64).optional() });
const statsFileSchema = z.strictObject({ packets: z.number().min(0), bytes: z.number().min(0) });

/** Top-level folders a backup leaves out and a restore leaves alone. */
export const NOT_BACKED_UP = ['pcaps', 'logs'] as const;
const RESTORE_STAGING_PREFIX = '.garrison-restore-';

function isKeptOutOfBackups(name: string): boolean {
  return (NOT_BACKED_UP as readonly string[]).includes(name) || name.startsWith(RESTORE_STAGING_PREFIX);
}
const DEFAULT_VERSION = '0.0.0-reference';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file} is not readable JSON: ${(error as Error).message}`);
  }
}

export class DirectoryCore implements CaptureCore {
  private previous: { at: number; packets: number; bytes: number } | null = null;

  constructor(
    readonly root: string,
    private readonly options: DirectoryCoreOptions = {},
  ) {}

  async facts(): Promise<CoreFacts> {
    const raw = await readJson(path.join(this.root, 'core.json'));
    const parsed = factsFileSchema.safeParse(raw ?? {});
    if (!parsed.success) throw new Error(`${path.join(this.root, 'core.json')} should be { "name"?: string, "version"?: string }.`);
    return { name: parsed.data.name ?? os.hostname().split('.')[0] ?? 'sensor', version: parsed.data.version ?? DEFAULT_VERSION };
  }

  async health(): Promise<CoreHealth> {
    const now = Date.now();
    const stats = statsFileSchema.safeParse((await readJson(path.join(this.root, 'stats.json'))) ?? { packets: 0, bytes: 0 });
    const counters = stats.success ? stats.data : { packets: 0, bytes: 0 };
    let packetsPerSecond = 0;
    let bytesPerSecond = 0;
    if (this.previous && now > this.previous.at) {
      const seconds = (now - this.previous.at) / 1000;
      // A counter that went down means the core restarted: report zero rather than a negative rate.
      packetsPerSecond = Math.max(0, (counters.packets - this.previous.packets) / seconds);
      bytesPerSecond = Math.max(0, (counters.bytes - this.previous.bytes) / seconds);
    }
    this.previous = { at: now, ...counters };
    const disk = await statfs(this.root);
    const used = disk.blocks - disk.bfree;
    const diskUsedPercent = used + disk.bavail > 0 ? Math.min(100, (used / (used + disk.bavail)) * 100) : 0;
    return { packetsPerSecond, bytesPerSecond, diskUsedPercent, uptimeSeconds: Math.floor(os.uptime()) };
  }

  /**
   * Settings must already be validated by the caller; applySettingsFiles parses
   * them again all the same. The reload runs when a file changed, and also when
   * the previous reload failed (a marker file records that): otherwise a retry
   * of the same settings would write nothing, skip the reload and report success
   * for a service still running the old configuration.
   */
  async applySettings(settings: unknown, revision: number): Promise<void> {
    const { changed } = await applySettingsFiles({ root: this.root, settings, revision });
    const reload = this.options.reloadCommand;
    if (!reload || reload.length === 0) return;
    const marker = path.join(this.root, RELOAD_PENDING_FILE);
    const pending = await stat(marker).then(() => true, () => false);
    if (changed.length === 0 && !pending) return;
    await mkdir(path.dirname(marker), { recursive: true });
    await writeFile(marker, `${new Date().toISOString()}\n`, { mode: 0o600 });
    await runReloadCommand(reload);
    await rm(marker, { force: true });
  }

  /** `targetFile` must lie outside the root (sensor-link puts it in its state folder). The archive is hashed as it is written. */
  async produceBackup(targetFile: string): Promise<ProducedBackup> {
    return tarDirectory(this.root, targetFile, { exclude: (relative) => !relative.includes('/') && isKeptOutOfBackups(relative) });
  }

  async restoreBackup(sourceFile: string): Promise<void> {
    const staging = path.join(this.root, `${RESTORE_STAGING_PREFIX}${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { mode: 0o700 });
    try {
      await extractTar(sourceFile, staging);
      for (const name of await readdir(this.root)) {
        if (!isKeptOutOfBackups(name)) await rm(path.join(this.root, name), { recursive: true, force: true });
      }
      for (const name of await readdir(staging)) {
        if (!isKeptOutOfBackups(name)) await rename(path.join(staging, name), path.join(this.root, name));
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    this.previous = null;
  }
}
