/**
 * Starts a real Garrison console for a test: its own temporary data directory,
 * master key file, embedded database and free loopback ports. Log lines are kept
 * in memory (and can be searched for leaked secrets). `stop()` is idempotent and
 * registered by callers with `t.after` / `after` so nothing outlives the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createConsole, type GarrisonConsole } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { readFileSync, rmSync } from 'node:fs';

export interface TestConsole {
  garrison: GarrisonConsole;
  dataDir: string;
  httpsPort: number;
  /** The sensor link port (enrolment + /link). */
  linkPort: number;
  /** The SSH admin CLI port. */
  sshPort: number;
  /** The SNMP agent's UDP port. */
  snmpPort: number;
  baseUrl: string;
  /** PEM of the console CA, to trust the console's HTTPS certificate. */
  caPem: string;
  logs: string[];
  stop(): Promise<void>;
  /** Stops the console and removes its temporary folders. */
  destroy(): Promise<void>;
}

export interface TestConsoleOptions {
  /** Reuse a data directory (restart tests); a new temporary one otherwise. */
  dataDir?: string;
  /** Extra environment variables, e.g. MONGODB_URI. */
  env?: Record<string, string>;
}

/**
 * Temporary folders this process made, removed (with a console's master key beside them) when it exits:
 * a test that stops a console without destroy(), or fails half-way, leaves nothing in the temp folder.
 * A SIGTERM, SIGINT or SIGHUP that nothing else in the process handles (a benchmark stopped by hand) exits
 * through the same removal instead of dying with thousands of simulated sensors' folders left in /dev/shm.
 */
const tempDirs = new Set<string>();
let removeOnExit = false;

export async function makeTempDir(prefix: string, parent: string = os.tmpdir()): Promise<string> {
  const directory = await mkdtemp(path.join(parent, `garrison-${prefix}-`));
  tempDirs.add(directory);
  if (!removeOnExit) {
    removeOnExit = true;
    process.once('exit', () => {
      for (const made of tempDirs) {
        rmSync(made, { recursive: true, force: true });
        rmSync(`${made}.master.key`, { force: true });
      }
    });
    for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]] as const) {
      process.on(signal, () => {
        // Others' handlers (the fleet simulator's orderly stop) decide for themselves.
        if (process.listenerCount(signal) === 1) process.exit(128 + number);
      });
    }
  }
  return directory;
}

export async function startTestConsole(options: TestConsoleOptions = {}): Promise<TestConsole> {
  const dataDir = options.dataDir ?? (await makeTempDir('data'));
  const config = loadConfig({
    GARRISON_DATA_DIR: dataDir,
    GARRISON_BIND_ADDRESS: '127.0.0.1',
    GARRISON_HTTPS_PORT: '0',
    GARRISON_LINK_PORT: '0',
    GARRISON_SSH_PORT: '0',
    GARRISON_SNMP_PORT: '0',
    GARRISON_PUBLIC_HOSTS: '127.0.0.1,localhost',
    GARRISON_LOG_LEVEL: 'debug',
    GARRISON_MASTER_KEY_FILE: path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`),
    GARRISON_SHUTDOWN_TIMEOUT_MS: '10000',
    HOME: os.homedir(),
    ...options.env,
  });
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
      callback();
    },
  });
  const garrison = createConsole(config, { logDestination });
  let started;
  try {
    started = await garrison.start();
  } catch (error) {
    await garrison.stop();
    throw new Error(`test console failed to start: ${String(error)}\n${logs.slice(-20).join('\n')}`, { cause: error });
  }
  const caPem = readFileSync(path.join(dataDir, 'pki', 'ca.crt'), 'utf8');
  const stop = () => garrison.stop();
  return {
    garrison,
    dataDir,
    httpsPort: started.httpsPort,
    linkPort: started.linkPort,
    sshPort: started.sshPort,
    snmpPort: started.snmpPort,
    baseUrl: `https://127.0.0.1:${started.httpsPort}`,
    caPem,
    logs,
    stop,
    async destroy() {
      await stop();
      if (!options.dataDir) {
        await rm(dataDir, { recursive: true, force: true });
        await rm(config.masterKeyFile, { force: true });
      }
    },
  };
}
