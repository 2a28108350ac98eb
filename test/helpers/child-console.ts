/**
 * A real Garrison console in a child process, started through its real entry
 * point (`server/src/main.ts`) with environment variables only, so a test can
 * kill it the way an operating system does (SIGKILL: no shutdown code runs)
 * and start it again on the same data directory and master key.
 *
 *   const first = await startChildConsole({ dataDir, env: { GARRISON_LINK_PORT: String(linkPort) } });
 *   const admin = await signInToChildConsole(first);
 *   await first.kill();                                  // the process and its embedded database are gone
 *   const second = await startChildConsole({ dataDir, env: { GARRISON_LINK_PORT: String(linkPort) } });
 *
 * The HTTPS port is chosen by the OS and read from the "Garrison console
 * started" log line; pass GARRISON_LINK_PORT to keep the address sensors
 * enrolled with across a restart. The master key file sits beside the data
 * directory (`<dataDir>.master.key`, as in test-console.ts), so a restart on the
 * same data directory reads the same key. Every child still running when the
 * test process exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './free-ports.js';
import { signIn, TEST_ADMIN_PASSWORD, type SignedIn } from './test-session.js';

export interface ChildConsole {
  dataDir: string;
  pid: number;
  httpsPort: number;
  linkPort: number;
  baseUrl: string;
  caPem: string;
  /** What the console wrote to stdout and stderr (pino JSON lines), for failure messages. */
  output: string[];
  /** SIGKILL, then waits until the console and its embedded database process are gone. */
  kill(): Promise<void>;
  /** SIGTERM (an ordered shutdown), then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** Stops the console (if running) and removes the data directory and master key. */
  destroy(): Promise<void>;
}

export interface ChildConsoleOptions {
  dataDir: string;
  /** Extra GARRISON_* variables (they win over the defaults below). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = path.join(REPOSITORY, 'server', 'src', 'main.ts');
/** Set as GARRISON_ADMIN_PASSWORD: the first admin's one-time password, changed at the first sign-in. */
const FIRST_ADMIN_PASSWORD = `child-first-admin-${randomBytes(6).toString('hex')}`;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Pids of a process's children, from /proc (Linux). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const pids: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function startChildConsole(options: ChildConsoleOptions): Promise<ChildConsole> {
  const { dataDir } = options;
  const masterKeyFile = path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT' && name !== 'MONGODB_URI' && !name.startsWith('GARRISON_') && name !== 'HOME'));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    // Where the FerretDB binary is cached, as for the test process itself.
    ...(process.env.GARRISON_CACHE_DIR ? { GARRISON_CACHE_DIR: process.env.GARRISON_CACHE_DIR } : {}),
    HOME: os.homedir(),
    GARRISON_DATA_DIR: dataDir,
    GARRISON_BIND_ADDRESS: '127.0.0.1',
    GARRISON_HTTPS_PORT: '0',
    GARRISON_LINK_PORT: '0',
    GARRISON_SSH_PORT: '0',
    GARRISON_SNMP_PORT: '0',
    GARRISON_PUBLIC_HOSTS: '127.0.0.1,localhost',
    GARRISON_LOG_LEVEL: 'info',
    GARRISON_MASTER_KEY_FILE: masterKeyFile,
    GARRISON_ADMIN_PASSWORD: FIRST_ADMIN_PASSWORD,
    GARRISON_SHUTDOWN_TIMEOUT_MS: '10000',
    ...options.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPOSITORY, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output: string[] = [];
  let ports: { httpsPort: number; linkPort: number } | null = null;
  let pendingText = '';
  const collect = (chunk: Buffer) => {
    pendingText += chunk.toString('utf8');
    const lines = pendingText.split('\n');
    pendingText = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.length > 0)) {
      if (output.length < 20_000) output.push(line);
      if (ports || !line.includes('Garrison console started')) continue;
      const started = JSON.parse(line) as { httpsPort: number; linkPort: number };
      ports = { httpsPort: started.httpsPort, linkPort: started.linkPort };
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const timeoutMs = options.startTimeoutMs ?? 120_000;
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the console exited (${child.exitCode ?? child.signalCode}) before it started`);
        return ports !== null;
      },
      timeoutMs,
      () => 'the child console to start',
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${output.slice(-20).join('\n')}`, { cause: error });
  }
  const started = ports as unknown as { httpsPort: number; linkPort: number };
  const caPem = await readFile(path.join(dataDir, 'pki', 'ca.crt'), 'utf8');

  const handle: ChildConsole = {
    dataDir,
    pid: child.pid ?? -1,
    httpsPort: started.httpsPort,
    linkPort: started.linkPort,
    baseUrl: `https://127.0.0.1:${started.httpsPort}`,
    caPem,
    output,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The embedded database gets SIGTERM from the kernel when its parent dies (setpriv --pdeathsig): wait for it too.
      const database = await childrenOf(child.pid ?? -1);
      child.kill('SIGKILL');
      await exitOf(child);
      await waitFor(() => database.every((pid) => !alive(pid)), 30_000, () => `the killed console's database process (${database.join(', ')}) to exit`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exitOf(child);
    },
    async destroy() {
      await handle.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(masterKeyFile, { force: true });
    },
  };
  return handle;
}

/** Data directories whose first admin already changed the one-time password to TEST_ADMIN_PASSWORD. */
const passwordChanged = new Set<string>();

/** Signs in as the first admin, changing the one-time password at the first sign-in on this data directory. */
export async function signInToChildConsole(childConsole: ChildConsole): Promise<SignedIn> {
  if (passwordChanged.has(childConsole.dataDir)) return signIn(childConsole, 'admin', TEST_ADMIN_PASSWORD);
  const session = await signIn(childConsole, 'admin', FIRST_ADMIN_PASSWORD, TEST_ADMIN_PASSWORD);
  passwordChanged.add(childConsole.dataDir);
  return session;
}
