/**
 * A console stopping mid-upload, and the state a killed console leaves (a run
 * still 'running', a `.partial` file on the target): nothing complete-looking
 * is left, the abandoned run ends as failed with its reason at the next start,
 * and the next backup succeeds.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freeTcpPort, waitFor } from '../helpers/free-ports.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin } from '../helpers/test-session.js';
import { backUpNow, builtInTargetDirectory, createZone, getRun, linkedSensorWithData, waitForRunEnd } from './backups-harness.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('backups across a console restart', () => {
  it('leaves no complete file, fails abandoned runs with a reason, and backs up again after the restart', async () => {
    const dataDir = await makeTempDir('backup-restart');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    // The same link port after the restart: the sensor keeps the address it enrolled with.
    const env = { GARRISON_LINK_PORT: String(await freeTcpPort()) };
    let testConsole: TestConsole = await startTestConsole({ dataDir, env });
    cleanups.push(() => testConsole.stop());
    let admin = await signInAsAdmin(testConsole);
    const { zoneId } = await createZone(testConsole, admin, 'Restart');
    const sensor: TestSensor = await linkedSensorWithData(testConsole, admin, 'restarted', zoneId, { dataBytes: 2 * 1024 * 1024 });
    cleanups.push(() => sensor.stop());
    const sensorId = (await sensor.store.load())?.sensorId ?? '';
    const settings = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorId}`, { headers: admin.headers });
    const limited = await api<{ revision: number }>(testConsole, 'PUT', `/settings/sensors/${sensorId}`, { headers: admin.headers, body: { baseRevision: settings.body.revision, settings: { uploadBandwidthLimit: '800kbit' } } });
    assert.equal(limited.status, 200, limited.text);
    await waitFor(async () => (await sensor.store.loadAppliedSettings())?.revision === limited.body.revision, 15_000, () => 'the upload limit to apply');

    const started = await backUpNow(testConsole, admin.headers, sensorId);
    await waitFor(async () => (await getRun(testConsole, admin, started.id)).bytesReceived > 256 * 1024, 30_000, () => 'upload progress');

    // What a killed console leaves behind: a run still 'running' and a partial file.
    const target = builtInTargetDirectory(testConsole);
    const abandonedId = randomUUID();
    const runs = testConsole.garrison.database().db.collection('backupRuns');
    const template = await runs.findOne({ _id: started.id as never });
    assert.ok(template);
    await runs.insertOne({ ...template, _id: abandonedId as never, slotKey: `manual:${abandonedId}`, status: 'running', startedAt: new Date(), instanceName: 'dead-host:1' });
    await writeFile(path.join(target, 'restarted-backup-version-24.1.3-2026-01-01_03-00-00.tar.partial'), 'half a backup');

    await testConsole.stop();
    assert.deepEqual((await readdir(target)).filter((name) => name.endsWith('.tar')), [], 'no complete-looking file');

    testConsole = await startTestConsole({ dataDir, env });
    admin = await signInAsAdmin(testConsole);
    const interrupted = await getRun(testConsole, admin, started.id);
    assert.equal(interrupted.status, 'failed', JSON.stringify(interrupted));
    assert.equal(interrupted.failure?.code, 'network-failure');
    const abandoned = await getRun(testConsole, admin, abandonedId);
    assert.equal(abandoned.status, 'failed');
    assert.match(abandoned.failure?.reason ?? '', /console stopped/);
    assert.deepEqual(await readdir(target), [], 'partial files were removed');

    await sensor.waitForState('connected', 30_000);
    const current = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorId}`, { headers: admin.headers });
    assert.equal((await api(testConsole, 'PUT', `/settings/sensors/${sensorId}`, { headers: admin.headers, body: { baseRevision: current.body.revision, settings: {} } })).status, 200);
    await waitFor(async () => (await sensor.store.loadAppliedSettings())?.revision === current.body.revision + 1, 15_000, () => 'the cleared limit to apply');
    const next = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id);
    assert.equal(next.status, 'succeeded', JSON.stringify(next));
    assert.deepEqual((await readdir(target)).filter((name) => name.endsWith('.tar')), [next.fileName]);
  });
});
