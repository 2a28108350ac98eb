/**
 * Sensor backups to the built-in local target over real links: a zone's
 * sensors backed up at once (files named as the seed documents say, pcaps and
 * logs left out, digest and size recorded, download for admins), safe names
 * for hostile sensor names and versions, retention, failure reasons (offline,
 * could not produce, dropped mid-upload with no complete file left, digest
 * mismatch) with 'backup.failed' reaching the notifications, and who may do what.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { uploadBackup } from '../../sensor-link/src/backup/backup-transfer.js';
import type { BackupFailed } from '../../server/src/modules/backups/backup-events.js';
import { waitFor } from '../helpers/free-ports.js';
import { rawLinkClient } from '../helpers/link-peers.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import {
  backUpNow,
  builtInTargetDirectory,
  createZone,
  download,
  filesOf,
  getRun,
  linkedSensorWithData,
  patchPolicy,
  sha256OfFile,
  waitForRunEnd,
  type RunBody,
} from './backups-harness.js';

const run = promisify(execFile);
let testConsole: TestConsole;
let admin: SignedIn;
let zoneId = '';
const sensors: TestSensor[] = [];
const failures: BackupFailed[] = [];

async function sensorIdOf(sensor: TestSensor): Promise<string> {
  const state = await sensor.store.load();
  assert.ok(state);
  return state.sensorId;
}

async function linked(name: string, options: { version?: string; dataBytes?: number } = {}): Promise<{ sensor: TestSensor; sensorId: string }> {
  const sensor = await linkedSensorWithData(testConsole, admin, name, zoneId, options);
  sensors.push(sensor);
  return { sensor, sensorId: await sensorIdOf(sensor) };
}

async function completeFiles(): Promise<string[]> {
  return (await readdir(builtInTargetDirectory(testConsole))).filter((name) => !name.endsWith('.partial')).sort();
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  ({ zoneId } = await createZone(testConsole, admin, 'Backups'));
  testConsole.garrison.events.on('backup.failed', (event) => {
    failures.push(event);
  });
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

describe('sensor backups to the local target', () => {
  it('backs up every sensor of a zone, named <name>-backup-version-<version>-<date>.tar, without pcaps and logs', async () => {
    const linkedSensors = await Promise.all(['north-1', 'north-2', 'north-3'].map((name) => linked(name)));
    const queued = await api<{ items: RunBody[] }>(testConsole, 'POST', `/zones/${zoneId}/backups`, { headers: admin.headers });
    assert.equal(queued.status, 202, queued.text);
    assert.equal(queued.body.items.length, 3);
    const runs = await Promise.all(queued.body.items.map((queuedRun) => waitForRunEnd(testConsole, admin, queuedRun.id)));
    for (const finished of runs) {
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      assert.ok(finished.sizeBytes && finished.sizeBytes > 64 * 1024, JSON.stringify(finished));
      assert.match(finished.sha256 ?? '', /^[0-9a-f]{64}$/);
      assert.ok((finished.durationMs ?? -1) >= 0);
      assert.equal(finished.bytesReceived, finished.sizeBytes);
    }
    for (const { sensor, sensorId } of linkedSensors) {
      const [file] = await filesOf(testConsole, admin, sensorId);
      assert.ok(file, `no file for ${sensor.name}`);
      assert.match(file.name, new RegExp(`^${sensor.name}-backup-version-24\\.1\\.3-\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}\\.tar$`));
      const stored = path.join(builtInTargetDirectory(testConsole), file.name);
      assert.equal(await sha256OfFile(stored), file.sha256);
      const { stdout } = await run('tar', ['-tf', stored]);
      const entries = stdout.trim().split('\n');
      assert.ok(entries.includes('config/sensor.conf') && entries.includes('data.bin'), stdout);
      assert.ok(!entries.some((entry) => entry.startsWith('pcaps') || entry.startsWith('logs')), stdout);
    }
    const [first] = linkedSensors;
    assert.ok(first);
    const [file] = await filesOf(testConsole, admin, first.sensorId);
    assert.ok(file);
    const downloaded = await download(testConsole, admin.headers, file.id);
    assert.equal(downloaded.status, 200);
    assert.equal(downloaded.sha256, file.sha256);
    assert.match(downloaded.disposition, new RegExp(file.name.replace(/\./g, '\\.')));
    const analyst = await signInAs(testConsole, 'security-analyst');
    assert.equal((await download(testConsole, analyst.headers, file.id)).status, 403);
  });

  it('keeps file names safe for a hostile sensor name and version', async () => {
    const { sensorId } = await linked('Pump..House .partial', { version: '../../etc/x y;$(id)' });
    const finished = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
    assert.match(finished.fileName ?? '', /^Pump_House_.partial-backup-version-etc_x_y_id-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.tar$/);
    assert.ok((await completeFiles()).includes(finished.fileName ?? ''));
  });

  it('keeps the newest N per sensor and never the last good backup under the size cap', async () => {
    const { sensorId } = await linked('retained');
    await patchPolicy(testConsole, admin, { keepPerSensor: 2 });
    const names: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const finished = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
      assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
      names.push(finished.fileName ?? '');
      await new Promise((resolve) => setTimeout(resolve, 1100)); // file names are stamped to the second
    }
    const kept = await filesOf(testConsole, admin, sensorId);
    assert.deepEqual(kept.map((file) => file.name), [names[2], names[1]]);
    const onDisk = await completeFiles();
    assert.ok(!onDisk.includes(names[0] ?? ''), 'the oldest was deleted');
    assert.ok(onDisk.includes(names[1] ?? '') && onDisk.includes(names[2] ?? ''));

    // A one-byte cap: every sensor keeps exactly its last good backup.
    await patchPolicy(testConsole, admin, { maxBytesPerTarget: 1 });
    const finished = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(finished.status, 'succeeded');
    assert.deepEqual((await filesOf(testConsole, admin, sensorId)).map((file) => file.name), [finished.fileName]);
    for (const other of sensors) {
      assert.ok((await filesOf(testConsole, admin, await sensorIdOf(other))).length >= 1, `${other.name} lost its last backup`);
    }
    await patchPolicy(testConsole, admin, { keepPerSensor: 9, maxBytesPerTarget: null });
  });

  it('fails with sensor-offline, then sensor-could-not-produce, and raises backup.failed as a notification', async () => {
    const { sensor, sensorId } = await linked('unlucky');
    sensor.client?.stop();
    await waitFor(async () => (await api<{ state: string }>(testConsole, 'GET', `/sensors/${sensorId}`, { headers: admin.headers })).body.state !== 'connected', 15_000);
    const offline = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(offline.status, 'failed');
    assert.equal(offline.failure?.code, 'sensor-offline');

    await sensor.link();
    await sensor.waitForState('connected');
    await rm(sensor.core.root, { recursive: true, force: true });
    const broken = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(broken.status, 'failed');
    assert.equal(broken.failure?.code, 'sensor-could-not-produce');
    assert.match(broken.failure?.reason ?? '', /could not produce/);
    assert.ok(failures.some((event) => event.runId === broken.id && event.code === 'sensor-could-not-produce'));
    await waitFor(
      async () => (await testConsole.garrison.database().db.collection('notificationEvents').countDocuments({ type: 'backup.failed', sensorId })) >= 2,
      10_000,
      () => 'two backup.failed notifications',
    );
    const failedRuns = await api<{ items: RunBody[]; total: number }>(testConsole, 'GET', `/backups/runs?sensorId=${sensorId}&status=failed&limit=1`, { headers: admin.headers });
    assert.equal(failedRuns.status, 200, failedRuns.text);
    assert.equal(failedRuns.body.total, 2);
    assert.equal(failedRuns.body.items.length, 1);
  });

  it('a sensor that drops mid-upload leaves no complete file, and its next backup succeeds', async () => {
    const { sensor, sensorId } = await linked('dropping', { dataBytes: 2 * 1024 * 1024 });
    const current = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorId}`, { headers: admin.headers });
    const limited = await api(testConsole, 'PUT', `/settings/sensors/${sensorId}`, { headers: admin.headers, body: { baseRevision: current.body.revision, settings: { uploadBandwidthLimit: '800kbit' } } });
    assert.equal(limited.status, 200, limited.text);
    await waitFor(async () => (await sensor.store.loadAppliedSettings())?.revision !== undefined && sensor.log.some((line) => line.includes('Applied settings revision')), 15_000);
    const before = await completeFiles();
    const started = await backUpNow(testConsole, admin.headers, sensorId);
    // Progress is visible while it runs (100 KB/s for 2 MiB: about 20 s).
    await waitFor(async () => (await getRun(testConsole, admin, started.id)).bytesReceived > 256 * 1024, 30_000, () => 'upload progress');
    sensor.client?.stop();
    const dropped = await waitForRunEnd(testConsole, admin, started.id);
    assert.equal(dropped.status, 'failed');
    assert.equal(dropped.failure?.code, 'network-failure', JSON.stringify(dropped));
    assert.deepEqual(await completeFiles(), before, 'no complete-looking file was left');
    assert.deepEqual(await filesOf(testConsole, admin, sensorId), []);

    const cleared = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorId}`, { headers: admin.headers });
    assert.equal((await api(testConsole, 'PUT', `/settings/sensors/${sensorId}`, { headers: admin.headers, body: { baseRevision: cleared.body.revision, settings: {} } })).status, 200);
    await sensor.link();
    await sensor.waitForState('connected');
    await waitFor(async () => (await sensor.store.loadAppliedSettings())?.revision === cleared.body.revision + 1, 15_000, () => 'the cleared limit to apply');
    const next = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(next.status, 'succeeded', JSON.stringify(next));
  });

  it('refuses an upload whose digest does not match and keeps nothing', async () => {
    const { sensor, sensorId } = await linked('forger');
    const state = await sensor.store.load();
    assert.ok(state);
    sensor.client?.stop();
    await waitFor(async () => (await api<{ state: string }>(testConsole, 'GET', `/sensors/${sensorId}`, { headers: admin.headers })).body.state !== 'connected', 15_000);
    const rogue = await rawLinkClient(testConsole, { certificatePem: state.certificatePem, privateKeyPem: state.privateKeyPem });
    assert.ok(rogue.connected, rogue.error?.message);
    const archive = path.join(sensor.root, 'forged.tar');
    await run('tar', ['-cf', archive, '-C', sensor.core.root, '.']);
    try {
      const { stdout } = await run('stat', ['-c', '%s', archive]);
      const size = Number(stdout.trim());
      rogue.socket.on('backup:produce', (request: { runId: string; uploadPath: string }, ack: (answer: unknown) => void) => {
        void uploadBackup({ state, address: `127.0.0.1:${testConsole.linkPort}`, file: archive, uploadPath: request.uploadPath, sizeBytes: size, sha256: '0'.repeat(64), bytesPerSecond: null })
          .then(
            () => ack({ data: { runId: request.runId, sizeBytes: size, sha256: '0'.repeat(64) } }),
            (error: Error) => ack({ error: { code: 'internal', message: error.message } }),
          );
      });
      const before = await completeFiles();
      const finished = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
      assert.equal(finished.status, 'failed');
      assert.equal(finished.failure?.code, 'digest-mismatch', JSON.stringify(finished));
      assert.match(finished.failure?.reason ?? '', /SHA-256/);
      assert.deepEqual(await completeFiles(), before);
    } finally {
      rogue.socket.close();
    }
  });

  it('lets analysts back up now and read, read-only users only read, admins change the policy', async () => {
    const { sensorId } = await linked('permitted');
    const analyst = await signInAs(testConsole, 'security-analyst');
    const reader = await signInAs(testConsole, 'read-only');
    const byAnalyst = await backUpNow(testConsole, analyst.headers, sensorId);
    assert.equal((await waitForRunEnd(testConsole, admin, byAnalyst.id)).status, 'succeeded');
    assert.equal((await api(testConsole, 'POST', `/sensors/${sensorId}/backups`, { headers: reader.headers })).status, 403);
    assert.equal((await api(testConsole, 'GET', `/backups/runs?sensorId=${sensorId}`, { headers: reader.headers })).status, 200);
    assert.equal((await api(testConsole, 'PATCH', '/backups/policy', { headers: analyst.headers, body: { keepPerSensor: 3 } })).status, 403);
    const bad = await api<{ error: { details: { problems: Array<{ path: string }> } } }>(testConsole, 'PATCH', '/backups/policy', { headers: admin.headers, body: { keepPerSensor: 0 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.problems[0]?.path, 'keepPerSensor');
    const badQuery = await api(testConsole, 'GET', '/backups/runs?status=maybe', { headers: admin.headers });
    assert.equal(badQuery.status, 400);
    const audit = await testConsole.garrison.database().db.collection('auditRecords').countDocuments({ action: 'backup.requested' });
    assert.ok(audit >= 1);
  });
});
