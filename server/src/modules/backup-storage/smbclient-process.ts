/**
 * Running Samba's `smbclient`, one command per call (with several, it carries
 * on after a failure and still exits 0). The password goes into a credentials
 * file (0600, in a private 0700 temporary folder removed after the call),
 * never onto a command line or into a log. Every call has a time limit; its
 * NT_STATUS_* words become StorageFailureCodes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StorageError, type StorageFailureCode } from './storage-driver.js';
import type { SmbProtocol } from './target-schema.js';

export interface SmbConnection {
  host: string;
  port: number;
  share: string;
  /** Folder inside the share ('' = root), already validated. */
  directory: string;
  domain: string;
  user: string;
  password: string;
  minimumProtocol: SmbProtocol;
  requireEncryption: boolean;
  /** Limit of one call (connect + command); for streams, of a stall. Default DEFAULT_SMB_TIMEOUT_MS. */
  timeoutMs?: number | undefined;
}

export const DEFAULT_SMB_TIMEOUT_MS = 30_000;

const STATUS_CODES: Array<[RegExp, StorageFailureCode, string]> = [
  [/NT_STATUS_LOGON_FAILURE|NT_STATUS_WRONG_PASSWORD|NT_STATUS_NO_SUCH_USER|NT_STATUS_ACCOUNT_(DISABLED|LOCKED_OUT)/, 'logon-failure', 'logon failure: the user name or password is wrong'],
  [/NT_STATUS_BAD_NETWORK_NAME/, 'share-not-found', 'share not found'],
  [/NT_STATUS_ACCESS_DENIED|NT_STATUS_NETWORK_ACCESS_DENIED/, 'access-denied', 'access denied'],
  [/NT_STATUS_DISK_FULL|NT_STATUS_QUOTA_EXCEEDED/, 'not-enough-space', 'disk full: not enough space on the share'],
  [
    /NT_STATUS_CONNECTION_REFUSED|NT_STATUS_IO_TIMEOUT|NT_STATUS_HOST_UNREACHABLE|NT_STATUS_NETWORK_UNREACHABLE|NT_STATUS_CONNECTION_RESET|NT_STATUS_CONNECTION_DISCONNECTED|NT_STATUS_UNSUCCESSFUL|NT_STATUS_INVALID_NETWORK_RESPONSE|NT_STATUS_END_OF_FILE/,
    'unreachable',
    'host unreachable',
  ],
  [/NT_STATUS_OBJECT_NAME_NOT_FOUND|NT_STATUS_NO_SUCH_FILE|NT_STATUS_OBJECT_PATH_NOT_FOUND/, 'not-found', 'file or folder not found'],
];

/** smbclient's output as a StorageError: the first NT_STATUS_* it names decides the code; the message keeps the tool's words. */
export function smbFailure(output: string, doing: string): StorageError {
  const status = /NT_STATUS_[A-Z_]+/.exec(output)?.[0];
  for (const [pattern, code, words] of STATUS_CODES) {
    if (status && pattern.test(status)) return new StorageError(code, `Could not ${doing}: ${words} (${status}).`);
  }
  const firstLine = output.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? 'no output';
  return new StorageError('io-error', `Could not ${doing}: smbclient said "${firstLine.slice(0, 300)}".`);
}

/** The arguments after `smbclient`, without the command. */
function connectionArguments(connection: SmbConnection, credentialsFile: string): string[] {
  const timeoutSeconds = Math.max(1, Math.ceil((connection.timeoutMs ?? DEFAULT_SMB_TIMEOUT_MS) / 1000));
  const args = [
    `//${connection.host}/${connection.share}`,
    '--port', String(connection.port),
    '--authentication-file', credentialsFile,
    '--timeout', String(timeoutSeconds),
    // An empty configuration: the host's smb.conf must not change how the console connects.
    '--configfile', '/dev/null',
    '--option', `client min protocol=${connection.minimumProtocol === 'SMB3' ? 'SMB3' : 'SMB2_02'}`,
    '--max-protocol', 'SMB3',
  ];
  if (connection.requireEncryption) args.push('--client-protection', 'encrypt');
  if (connection.directory) args.push('--directory', connection.directory);
  return args;
}

/** A credentials file for one call; `remove()` deletes its private folder. */
export async function writeCredentials(connection: SmbConnection): Promise<{ file: string; remove(): Promise<void> }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'garrison-smb-'));
  const file = path.join(folder, 'credentials');
  const lines = [`username = ${connection.user}`, `password = ${connection.password}`];
  if (connection.domain) lines.push(`domain = ${connection.domain}`);
  await writeFile(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return { file, remove: () => rm(folder, { recursive: true, force: true }) };
}

export interface SmbProcess {
  child: ChildProcess;
  /** stdout + stderr text (not for `get` streams, whose stdout is the file). */
  output(): string;
  /** Resolves with the exit code (null when killed); removes the credentials. */
  exited: Promise<number | null>;
  /** Ends the call now (the whole process group: smbclient, and sh around it if any). */
  kill(): void;
}

/**
 * Starts smbclient with one command. `shell` is a fixed script around it (the
 * download's exit-status relay); user values only ever travel as arguments,
 * never inside a shell string. `stdin: fd` makes that descriptor smbclient's
 * stdin (uploads: the read end of an upload pipe, which `put - "<name>"`
 * reads directly, no `cat` in between); the caller still closes its copy.
 */
export async function startSmbclient(connection: SmbConnection, command: string, options: { shell?: string; captureStdout?: boolean; stdin?: number } = {}): Promise<SmbProcess> {
  const credentials = await writeCredentials(connection);
  const args = [...connectionArguments(connection, credentials.file), '--command', command];
  const stdin = options.stdin ?? (options.shell ? 'pipe' : 'ignore');
  const child = options.shell
    ? spawn('sh', ['-c', options.shell, 'sh', ...args], { detached: true, stdio: [stdin, 'pipe', 'pipe'] })
    : spawn('smbclient', args, { detached: true, stdio: [stdin, 'pipe', 'pipe'] });
  let text = '';
  const collect = (chunk: Buffer) => {
    if (text.length < 64 * 1024) text += chunk.toString('utf8');
  };
  if (options.captureStdout !== false) child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (error) => {
      text += `\n${error.message}`;
      resolve(-1);
    });
    child.once('close', (code) => resolve(code));
  }).finally(() => credentials.remove());
  return {
    child,
    output: () => text,
    exited,
    kill: () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** One command to its end within the time limit; rejects with a StorageError saying what failed. */
export async function runSmbclient(connection: SmbConnection, command: string, doing: string): Promise<string> {
  const call = await startSmbclient(connection, command);
  const timeoutMs = connection.timeoutMs ?? DEFAULT_SMB_TIMEOUT_MS;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    call.kill();
  }, timeoutMs);
  const code = await call.exited;
  clearTimeout(timer);
  if (timedOut) throw new StorageError('unreachable', `Could not ${doing}: host unreachable (no answer within ${Math.round(timeoutMs / 1000)} s).`);
  const output = call.output();
  if (code !== 0 || /NT_STATUS_[A-Z_]+/.test(output)) throw smbFailure(output, doing);
  return output;
}
