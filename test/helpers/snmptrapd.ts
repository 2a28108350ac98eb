/**
 * A real snmptrapd for tests (REAL-SERVICES.md): v2c traps with community
 * "public" and v3 authPriv traps (SHA-256 / AES) from one user bound to the
 * sender's engine id, logged one per line as `TRAP <security>|<pdu>|<source>|<varbinds>`
 * with numeric OIDs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freeUdpPort, waitFor } from './free-ports.js';

export interface SnmpV3User {
  engineId: string;
  user: string;
  authKey: string;
  privKey: string;
}

export interface Snmptrapd {
  port: number;
  community: string;
  lines(): Promise<string[]>;
  waitForLines(count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startSnmptrapd(directory: string, v3: SnmpV3User): Promise<Snmptrapd> {
  await mkdir(path.join(directory, 'persist'), { recursive: true });
  const port = await freeUdpPort();
  const community = 'public';
  const config = path.join(directory, 'snmptrapd.conf');
  const logFile = path.join(directory, 'traps.log');
  await writeFile(
    config,
    [
      `authCommunity log ${community}`,
      `createUser -e 0x${v3.engineId} ${v3.user} SHA-256 ${v3.authKey} AES ${v3.privKey}`,
      `authUser log ${v3.user} priv`,
      'format2 TRAP %s|%P|%b|%v\\n',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'snmptrapd',
    ['-f', '-C', '-c', config, '-X', '-n', '-On', '-Lf', logFile, '-p', path.join(directory, 'snmptrapd.pid'), `udp:127.0.0.1:${port}`],
    { env: { ...process.env, SNMP_PERSISTENT_DIR: path.join(directory, 'persist'), MIBS: '' }, stdio: 'ignore' },
  );
  const lines = async () => (existsSync(logFile) ? (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.startsWith('TRAP ')) : []);
  // UDP has no connect to wait for: snmptrapd logs its banner once it listens.
  await waitFor(async () => existsSync(logFile) && (await readFile(logFile, 'utf8')).includes('NET-SNMP version'), 10_000, () => 'snmptrapd to start');
  return {
    port,
    community,
    lines,
    async waitForLines(count, timeoutMs = 10_000) {
      let current: string[] = [];
      await waitFor(async () => {
        current = await lines();
        return current.length >= count;
      }, timeoutMs, () => `snmptrapd received ${current.length} of ${count} traps`);
      return current;
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
