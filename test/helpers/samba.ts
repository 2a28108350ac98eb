/**
 * A real Samba for tests (REAL-SERVICES.md): three smbd servers on free
 * loopback ports, each with its own smb.conf and state under one temporary
 * folder, one SMB user (`backupuser`, mapped onto root through `username map`):
 *
 * - `normal`: share `backups`, any protocol from SMB2.
 * - `hardened`: share `secure` on a server with `server min protocol = SMB3`,
 *   `server signing = mandatory` and `smb encrypt = required` (these are
 *   server-wide options in Samba, hence a server of its own).
 * - `full`: share `tiny`, a server whose files cannot grow past
 *   `fullCapacityBytes`. Samba's `max disk size` only changes what it reports
 *   (writes past it still succeed), so the limit is the kernel's: smbd runs
 *   under `ulimit -f`, a write past it fails with EFBIG, which smbd answers with
 *   NT_STATUS_DISK_FULL, exactly what a full disk gives the client; `max disk
 *   size` makes its free-space answer match. No mount or root privilege needed.
 *
 * Every smbd is killed when `stop()` is called or the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freeTcpPort, waitForTcpPort } from './free-ports.js';
import { makeTempDir } from './test-console.js';

export interface SambaShare {
  host: '127.0.0.1';
  port: number;
  share: string;
  /** The share's folder on this machine, to look at what landed. */
  path: string;
}

export interface Samba {
  user: string;
  password: string;
  normal: SambaShare;
  hardened: SambaShare;
  full: SambaShare;
  /** Largest file the `full` share accepts. */
  fullCapacityBytes: number;
  stop(): Promise<void>;
}

export const SAMBA_USER = 'backupuser';
const FULL_CAPACITY_MIB = 4;

interface ServerSpec {
  name: string;
  share: string;
  globalOptions: string[];
  /** `ulimit -f` in 512-byte blocks (dash), or null. */
  fileSizeBlocks: number | null;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  try {
    // smbd signals its own process group on SIGTERM; killing the group also reaps its workers.
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function startServer(root: string, spec: ServerSpec, password: string): Promise<{ share: SambaShare; child: ChildProcess }> {
  const dir = path.join(root, spec.name);
  const sharePath = path.join(dir, 'share');
  for (const sub of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc']) await mkdir(path.join(dir, sub), { recursive: true });
  await mkdir(sharePath, { recursive: true });
  const port = await freeTcpPort();
  const config = path.join(dir, 'smb.conf');
  await writeFile(path.join(dir, 'users.map'), `root = ${SAMBA_USER}\n`);
  await writeFile(
    config,
    [
      '[global]',
      ...['private', 'lock', 'state', 'cache', 'pid'].map((sub) => `${sub} directory = ${path.join(dir, sub)}`).map((line) => line.replace('private directory', 'private dir')),
      `ncalrpc dir = ${path.join(dir, 'ncalrpc')}`,
      `log file = ${path.join(dir, 'log.smbd')}`,
      'interfaces = 127.0.0.1',
      'bind interfaces only = yes',
      `smb ports = ${port}`,
      'disable netbios = yes',
      'load printers = no',
      'disable spoolss = yes',
      `passdb backend = tdbsam:${path.join(dir, 'passdb.tdb')}`,
      'map to guest = never',
      `username map = ${path.join(dir, 'users.map')}`,
      ...spec.globalOptions,
      `[${spec.share}]`,
      `path = ${sharePath}`,
      'read only = no',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn('smbpasswd', ['-c', config, '-a', '-s', 'root'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`smbpasswd failed: ${errors}`))));
    child.stdin.end(`${password}\n${password}\n`);
  });
  const limit = spec.fileSizeBlocks === null ? '' : `ulimit -f ${spec.fileSizeBlocks}; `;
  // The script is fixed; the configuration path travels as an argument. Not detached: smbd makes
  // its own session and process group (setsid), whose id is its pid, which stop() kills.
  const child = spawn('sh', ['-c', `${limit}exec smbd --foreground --debug-stdout --configfile="$1"`, 'sh', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.once('close', () => running.delete(child));
  try {
    await waitForTcpPort(port, 15_000);
  } catch (error) {
    killGroup(child);
    throw new Error(`smbd (${spec.name}) did not start: ${output.join('').slice(-2000)}`, { cause: error });
  }
  return { share: { host: '127.0.0.1', port, share: spec.share, path: sharePath }, child };
}

export async function startSamba(password = 'Backup-Pass-1'): Promise<Samba> {
  const root = await makeTempDir('samba');
  const specs: ServerSpec[] = [
    { name: 'normal', share: 'backups', globalOptions: [], fileSizeBlocks: null },
    { name: 'hardened', share: 'secure', globalOptions: ['server min protocol = SMB3', 'server signing = mandatory', 'smb encrypt = required'], fileSizeBlocks: null },
    { name: 'full', share: 'tiny', globalOptions: [`max disk size = ${FULL_CAPACITY_MIB}`], fileSizeBlocks: (FULL_CAPACITY_MIB * 1024 * 1024) / 512 },
  ];
  const servers = await Promise.all(specs.map((spec) => startServer(root, spec, password)));
  return {
    user: SAMBA_USER,
    password,
    normal: servers[0]!.share,
    hardened: servers[1]!.share,
    full: servers[2]!.share,
    fullCapacityBytes: FULL_CAPACITY_MIB * 1024 * 1024,
    async stop() {
      await Promise.all(
        servers.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('close', () => resolve());
              killGroup(child);
            }),
        ),
      );
      await rm(root, { recursive: true, force: true });
    },
  };
}
