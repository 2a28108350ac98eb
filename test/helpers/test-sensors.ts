/**
 * Real sensor-link sensors for integration tests: each has its own state
 * directory and reference capture core (a temporary folder), enrols with the
 * real enrolment code and links with the real LinkClient. `stop()` closes the
 * link and removes the folders; register it with `t.after`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LinkClient, type LinkClientState, type LinkStatus } from '../../sensor-link/src/connection/link-client.js';
import { DirectoryCore } from '../../sensor-link/src/core/directory-core.js';
import type { KeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import { enroll } from '../../sensor-link/src/enroll/enroll.js';
import type { LinkLog } from '../../sensor-link/src/link-log.js';
import type { EnrollmentResult } from '../../sensor-link/src/protocol/enrollment-messages.js';
import { LinkStateStore } from '../../sensor-link/src/state/link-state.js';
import { api, type ConsoleAddress } from './test-session.js';
import { makeTempDir, type TestConsole } from './test-console.js';

export interface TestSensor {
  name: string;
  root: string;
  store: LinkStateStore;
  core: DirectoryCore;
  enrollment: EnrollmentResult | null;
  client: LinkClient | null;
  /** What the sensor-link logged, in words. */
  log: string[];
  enroll(connectionString: string): Promise<EnrollmentResult>;
  link(options?: { baseMs?: number; capMs?: number }): Promise<LinkClient>;
  waitForState(state: LinkClientState, timeoutMs?: number): Promise<LinkStatus>;
  stop(): Promise<void>;
}

export interface TestSensorOptions {
  keyFactory?: () => Promise<KeyAndCsr>;
  /** The core's reload command after applying settings (an argument array, as `sensor-link run --reload-command`). */
  reloadCommand?: readonly string[];
  /** Where the sensor's folder is made (default: the system temporary folder). */
  parentDir?: string;
}

export async function createTestSensor(name: string, options: TestSensorOptions = {}): Promise<TestSensor> {
  const root = await makeTempDir('sensor', options.parentDir);
  const coreRoot = path.join(root, 'core');
  await mkdir(coreRoot, { recursive: true });
  await writeFile(path.join(coreRoot, 'core.json'), JSON.stringify({ name, version: '24.1.3' }));
  const store = new LinkStateStore(path.join(root, 'state'));
  const core = new DirectoryCore(coreRoot, options.reloadCommand ? { reloadCommand: options.reloadCommand } : {});
  const lines: string[] = [];
  const log: LinkLog = {
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
    error: (message) => lines.push(`error ${message}`),
  };
  const sensor: TestSensor = {
    name,
    root,
    store,
    core,
    enrollment: null,
    client: null,
    log: lines,
    async enroll(connectionString) {
      sensor.enrollment = await enroll({
        connectionString,
        name,
        store,
        core,
        onProgress: (sentence) => lines.push(`progress ${sentence}`),
        ...(options.keyFactory ? { keyFactory: options.keyFactory } : {}),
      });
      return sensor.enrollment;
    },
    async link(options = {}) {
      sensor.client?.stop();
      const client = new LinkClient({ store, core, log, backoff: { baseMs: options.baseMs ?? 100, capMs: options.capMs ?? 1000 }, connectTimeoutMs: 10_000 });
      sensor.client = client;
      await client.start();
      return client;
    },
    waitForState(state, timeoutMs = 15_000) {
      const client = sensor.client;
      if (!client) throw new Error('link() first');
      if (client.current.state === state) return Promise.resolve(client.current);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          off();
          reject(new Error(`sensor ${name} did not reach "${state}" in ${timeoutMs} ms; it is "${client.current.state}": ${client.current.message}\n${lines.slice(-10).join('\n')}`));
        }, timeoutMs);
        const off = client.onStatus((status) => {
          if (status.state !== state) return;
          clearTimeout(timer);
          off();
          resolve(status);
        });
      });
    },
    async stop() {
      sensor.client?.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
  return sensor;
}

interface ConnectionStringBody {
  id: string;
  connectionString: string;
}

/** A single-use connection string (optionally pre-assigned to a zone), as an admin gets it over REST. */
export async function singleUseConnectionString(testConsole: ConsoleAddress, headers: Record<string, string>, body: Record<string, unknown> = {}): Promise<ConnectionStringBody> {
  const response = await api<ConnectionStringBody>(testConsole, 'POST', '/connection-strings', { body, headers });
  if (response.status !== 201) throw new Error(`creating a connection string failed: ${response.status} ${response.text}`);
  return response.body;
}

export async function standingConnectionString(testConsole: TestConsole, headers: Record<string, string>): Promise<ConnectionStringBody> {
  const response = await api<ConnectionStringBody>(testConsole, 'GET', '/connection-strings/standing', { headers });
  if (response.status !== 200) throw new Error(`reading the standing connection string failed: ${response.status} ${response.text}`);
  return response.body;
}

/** The sensor document as the fleet stored it (presence, certificate, health). */
export async function sensorRecord(testConsole: TestConsole, sensorId: string): Promise<Record<string, unknown> | null> {
  return testConsole.garrison.database().db.collection('sensors').findOne({ _id: sensorId as never });
}
