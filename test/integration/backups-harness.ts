/**
 * Shared set-up of the backup integration tests: a real console, real linked
 * sensors with reference capture cores holding data (and pcaps and logs that
 * must stay out of backups), and helpers to start runs and wait for them.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { waitFor } from '../helpers/free-ports.js';
import type { TestConsole } from '../helpers/test-console.js';
import { createTestSensor, singleUseConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { api, type ConsoleAddress, type SignedIn } from '../helpers/test-session.js';

export interface RunBody {
  id: string;
  sensorId: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  failure: { code: string; label: string; reason: string } | null;
  fileId: string | null;
  fileName: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  bytesReceived: number;
  durationMs: number | null;
  targetId: string;
  trigger: string;
}

export interface FileBody {
  id: string;
  name: string;
  sizeBytes: number;
  sha256: string;
  version: string;
  targetId: string;
  createdAt: string;
}

export async function createZone(testConsole: ConsoleAddress, admin: SignedIn, name: string): Promise<{ siteId: string; zoneId: string }> {
  const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: `${name} site` } });
  assert.equal(site.status, 201, site.text);
  const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId: site.body.id, name } });
  assert.equal(zone.status, 201, zone.text);
  return { siteId: site.body.id, zoneId: zone.body.id };
}

/** A linked sensor whose core holds config, data, pcaps and logs (`dataBytes` of random data). */
export async function linkedSensorWithData(testConsole: ConsoleAddress, admin: SignedIn, name: string, zoneId: string, options: { version?: string; dataBytes?: number } = {}): Promise<TestSensor> {
  const sensor = await createTestSensor(name);
  const core = sensor.core.root;
  await writeFile(path.join(core, 'core.json'), JSON.stringify({ name, version: options.version ?? '24.1.3' }));
  await mkdir(path.join(core, 'config'), { recursive: true });
  await mkdir(path.join(core, 'pcaps'), { recursive: true });
  await mkdir(path.join(core, 'logs'), { recursive: true });
  await writeFile(path.join(core, 'config', 'sensor.conf'), `name=${name}\n`);
  await writeFile(path.join(core, 'data.bin'), randomBytes(options.dataBytes ?? 64 * 1024));
  await writeFile(path.join(core, 'pcaps', 'traffic.pcap'), randomBytes(32 * 1024));
  await writeFile(path.join(core, 'logs', 'core.log'), 'a log line\n');
  const { connectionString } = await singleUseConnectionString(testConsole, admin.headers, { zoneId });
  await sensor.enroll(connectionString);
  await sensor.link();
  await sensor.waitForState('connected');
  return sensor;
}

export async function backUpNow(testConsole: ConsoleAddress, headers: Record<string, string>, sensorId: string): Promise<RunBody> {
  const response = await api<RunBody>(testConsole, 'POST', `/sensors/${sensorId}/backups`, { headers });
  assert.equal(response.status, 202, response.text);
  return response.body;
}

export async function getRun(testConsole: ConsoleAddress, admin: SignedIn, runId: string): Promise<RunBody> {
  const response = await api<RunBody>(testConsole, 'GET', `/backups/runs/${runId}`, { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

export async function waitForRunEnd(testConsole: ConsoleAddress, admin: SignedIn, runId: string, timeoutMs = 60_000): Promise<RunBody> {
  let run: RunBody | null = null;
  await waitFor(
    async () => {
      run = await getRun(testConsole, admin, runId);
      return run.status === 'succeeded' || run.status === 'failed';
    },
    timeoutMs,
    () => `run ${runId} to end; it is ${JSON.stringify(run)}`,
  );
  return run as unknown as RunBody;
}

export async function filesOf(testConsole: ConsoleAddress, admin: SignedIn, sensorId: string): Promise<FileBody[]> {
  const response = await api<{ items: FileBody[] }>(testConsole, 'GET', `/sensors/${sensorId}/backups`, { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  return response.body.items;
}

export async function patchPolicy(testConsole: ConsoleAddress, admin: SignedIn, changes: Record<string, unknown>): Promise<void> {
  const response = await api(testConsole, 'PATCH', '/backups/policy', { headers: admin.headers, body: changes });
  assert.equal(response.status, 200, response.text);
}

/** Downloads over the HTTPS API; resolves with status, SHA-256 and size of the body. */
export function download(testConsole: ConsoleAddress, headers: Record<string, string>, fileId: string): Promise<{ status: number; sha256: string; sizeBytes: number; disposition: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${testConsole.baseUrl}/api/v1/backups/${fileId}/download`, { ca: testConsole.caPem, servername: 'localhost', headers }, (res) => {
      const hash = createHash('sha256');
      let sizeBytes = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        sizeBytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: hash.digest('hex'), sizeBytes, disposition: String(res.headers['content-disposition'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export function builtInTargetDirectory(testConsole: Pick<TestConsole, 'dataDir'>): string {
  return path.join(testConsole.dataDir, 'sensor-backups');
}

export async function sha256OfFile(file: string): Promise<string> {
  const { createReadStream } = await import('node:fs');
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
