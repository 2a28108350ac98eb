/**
 * How the reference (file-system) capture-core adapter applies settings: it
 * renders files under a root directory and writes each one atomically (temp
 * file in the same directory, fsync, rename, fsync the directory), so a crash
 * or power cut leaves either the old or the new file, never half of one.
 *
 *   etc/chrony/chrony.conf  only the block between the GARRISON MANAGED markers
 *                           is ours; every line outside it is kept as it is
 *   etc/timezone            the IANA time zone
 *   etc/resolv.conf         the DNS name servers
 *   garrison/settings.json  everything else (mode 0600: it holds secrets)
 *
 * Applying the same settings twice writes nothing the second time and skips the
 * reload. The reload command is an argument array run without a shell, so no
 * value can be interpreted as shell syntax.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sensorSettingsSchema, type SensorSettings } from '../protocol/settings-schema.js';

export const MANAGED_BEGIN = '# BEGIN GARRISON MANAGED';
export const MANAGED_END = '# END GARRISON MANAGED';

export const SETTINGS_FILES = {
  chrony: 'etc/chrony/chrony.conf',
  timeZone: 'etc/timezone',
  resolver: 'etc/resolv.conf',
  json: 'garrison/settings.json',
} as const;

type NtpSettings = NonNullable<SensorSettings['ntp']>;

/** The managed block, markers included, ending with a newline. No revision in it: a save that leaves NTP alone must not rewrite chrony.conf. */
export function renderChronyBlock(ntp: NtpSettings): string {
  const lines = [MANAGED_BEGIN, '# Written by sensor-link from the Garrison console; edit outside this block only.'];
  const servers = ntp.enabled ? (ntp.servers ?? []) : [];
  if (servers.length === 0) lines.push('# NTP synchronisation is turned off by the console.');
  for (const server of servers) lines.push(`server ${server.address} port ${server.port} iburst`);
  lines.push(MANAGED_END);
  return `${lines.join('\n')}\n`;
}

export class ManagedBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedBlockError';
  }
}

/**
 * Puts `block` in place of the managed block(s) of `existing`, keeping every
 * other line. The block goes where the first old one was, or at the end. A lone
 * marker is refused rather than guessed at: guessing could delete the
 * operator's own lines.
 */
export function replaceManagedBlock(existing: string, block: string): string {
  const lines = existing.length === 0 ? [] : existing.replace(/\n$/, '').split('\n');
  const kept: string[] = [];
  let insertAt = -1;
  let inside = false;
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === MANAGED_BEGIN) {
      if (inside) throw new ManagedBlockError(`line ${index + 1}: "${MANAGED_BEGIN}" inside a managed block; fix the file by hand`);
      inside = true;
      if (insertAt < 0) insertAt = kept.length;
    } else if (trimmed === MANAGED_END) {
      if (!inside) throw new ManagedBlockError(`line ${index + 1}: "${MANAGED_END}" without a "${MANAGED_BEGIN}"; fix the file by hand`);
      inside = false;
    } else if (!inside) {
      kept.push(line);
    }
  });
  if (inside) throw new ManagedBlockError(`"${MANAGED_BEGIN}" without a "${MANAGED_END}"; fix the file by hand`);
  const blockLines = block.replace(/\n$/, '').split('\n');
  if (insertAt < 0) {
    const separator = kept.length > 0 && kept[kept.length - 1]?.trim() !== '' ? [''] : [];
    return `${[...kept, ...separator, ...blockLines].join('\n')}\n`;
  }
  return `${[...kept.slice(0, insertAt), ...blockLines, ...kept.slice(insertAt)].join('\n')}\n`;
}

export function renderTimeZone(timeZone: string): string {
  return `${timeZone}\n`;
}

export function renderResolvConf(servers: string[]): string {
  return ['# Written by sensor-link from the Garrison console.', ...servers.map((server) => `nameserver ${server}`)].join('\n') + '\n';
}

/** Everything the three system files do not carry, for the capture core to read. */
export function renderSettingsJson(settings: SensorSettings, revision: number): string {
  const { ntp: _ntp, dns: _dns, timeRegion, ...rest } = settings;
  const dateFormat = timeRegion?.dateFormat;
  return `${JSON.stringify({ revision, ...(dateFormat ? { dateFormat } : {}), ...rest }, null, 2)}\n`;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes `content` to `file` atomically unless it already holds exactly that;
 * returns whether it wrote. An existing file keeps its permissions. `current`,
 * when the caller has just read the file (null: it does not exist), saves
 * reading it again. The directory is made only when it is missing.
 */
export async function writeFileAtomic(file: string, content: string, mode: number, current?: string | null): Promise<boolean> {
  const existing = current === undefined ? await readIfExists(file) : current;
  if (existing === content) return false;
  const directory = path.dirname(file);
  const existingMode = existing === null ? null : await stat(file).then((info) => info.mode & 0o777, () => null);
  const temporary = path.join(directory, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const openTemporary = () => open(temporary, 'wx', existingMode ?? mode);
  const handle = await openTemporary().catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(directory, { recursive: true });
    return openTemporary();
  });
  try {
    await handle.writeFile(content, 'utf8');
    await handle.chmod(existingMode ?? mode);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // The rename is durable only once the directory entry is on disk.
  const directoryHandle = await open(directory, 'r');
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
  return true;
}

export type CommandRunner = (argv: readonly string[]) => Promise<void>;

const execFileAsync = promisify(execFile);

/** Runs argv[0] with the remaining arguments, no shell, with a time limit. */
export const runCommand: CommandRunner = async (argv) => {
  const [command, ...args] = argv;
  if (!command) throw new Error('The reload command is empty');
  await execFileAsync(command, args, { timeout: 30_000, windowsHide: true });
};

export interface ApplySettingsFilesOptions {
  /** Everything is written below this directory ('/' on a real sensor). */
  root: string;
  /** Effective settings as received from the console; validated again here. */
  settings: unknown;
  revision: number;
  /** Run after any file changed, e.g. ['systemctl', 'restart', 'chrony']. */
  reloadCommand?: readonly string[];
  run?: CommandRunner;
}

export interface ApplySettingsFilesResult {
  /** Paths (relative to root) that were written. */
  changed: string[];
  reloaded: boolean;
}

export async function applySettingsFiles(options: ApplySettingsFilesOptions): Promise<ApplySettingsFilesResult> {
  const settings = sensorSettingsSchema.parse(options.settings);
  const target = (relative: string) => path.join(options.root, relative);
  const changed: string[] = [];
  const write = async (relative: string, content: string, mode: number, current?: string | null) => {
    if (await writeFileAtomic(target(relative), content, mode, current)) changed.push(relative);
  };

  if (settings.ntp) {
    const existing = await readIfExists(target(SETTINGS_FILES.chrony));
    await write(SETTINGS_FILES.chrony, replaceManagedBlock(existing ?? '', renderChronyBlock(settings.ntp)), 0o644, existing);
  }
  if (settings.timeRegion?.timeZone) await write(SETTINGS_FILES.timeZone, renderTimeZone(settings.timeRegion.timeZone), 0o644);
  if (settings.dns?.servers) await write(SETTINGS_FILES.resolver, renderResolvConf(settings.dns.servers), 0o644);
  await write(SETTINGS_FILES.json, renderSettingsJson(settings, options.revision), 0o600);

  const reload = options.reloadCommand;
  if (changed.length === 0 || !reload || reload.length === 0) return { changed, reloaded: false };
  await (options.run ?? runCommand)(reload);
  return { changed, reloaded: true };
}
