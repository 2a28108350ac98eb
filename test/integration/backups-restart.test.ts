/**
 * A console that goes away mid-upload, as a real process in a child
 * (server/src/main.ts), with a real linked sensor whose upload is slowed by
 * its bandwidth limit so the transfer is in flight:
 *
 * - killed (SIGKILL, no shutdown code runs): nothing complete-looking is left
 *   on the target (at most the `.partial`), the next start fails the
 *   abandoned run with its reason and removes the `.partial`, and the next
 *   backup succeeds;
 * - stopped (SIGTERM): the ordered shutdown itself records the failure and
 *   removes the `.partial`, before any restart.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startChildConsole, signInToChildConsole, type ChildConsole } from '../helpers/child-console.js';
import { freeTcpPort, waitFor } from '../helpers/free-ports.js';
import { makeTempDir } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, type SignedIn } from '../helpers/test-session.js';
import { backUpNow, builtInTargetDirectory, createZone, getRun, linkedSensorWithData, sha256OfFile, waitForRunEnd, type RunBody } from './backups-harness.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const BACKUP_BYTES = 4 * 1024 * 1024;
/** 100 kB/s: the 4 MiB upload takes about 40 s, long enough to act while it is in flight. */
const SLOW_UPLOAD = '800kbit';

interface InterruptedUpload {
  dataDir: string;
  env: Record<string, string>;
  sensor: TestSensor;
  sensorId: string;
  run: RunBody;
  consoleProcess: ChildConsole;
}

async function setUploadLimit(consoleProcess: ChildConsole, admin: SignedIn, sensor: TestSensor, sensorId: string, settings: Record<string, unknown>): Promise<void> {
  const current = await api<{ revision: number }>(consoleProcess, 'GET', `/settings/sensors/${sensorId}`, { headers: admin.headers });
  assert.equal(current.status, 200, current.text);
  const changed = await api<{ revision: number }>(consoleProcess, 'PUT', `/settings/sensors/${sensorId}`, { headers: admin.headers, body: { baseRevision: current.body.revision, settings } });
  assert.equal(changed.status, 200, changed.text);
  await waitFor(async () => (await sensor.store.loadAppliedSettings())?.revision === changed.body.revision, 30_000, () => `settings revision ${changed.body.revision} to apply on the sensor`);
}

/** A console in a child process with a slowed sensor whose backup is on its way (bytes received, a `.partial` on the target). */
async function uploadInFlight(name: string): Promise<InterruptedUpload> {
  const dataDir = await makeTempDir(`backup-${name}`);
  // The same link port after the restart: the sensor keeps the address it enrolled with.
  const env = { GARRISON_LINK_PORT: String(await freeTcpPort()) };
  const consoleProcess = await startChildConsole({ dataDir, env });
  cleanups.push(() => consoleProcess.destroy());
  const admin = await signInToChildConsole(consoleProcess);
  const { zoneId } = await createZone(consoleProcess, admin, name);
  const sensor = await linkedSensorWithData(consoleProcess, admin, name, zoneId, { dataBytes: BACKUP_BYTES });
  cleanups.push(() => sensor.stop());
  const sensorId = (await sensor.store.load())?.sensorId ?? '';
  await setUploadLimit(consoleProcess, admin, sensor, sensorId, { uploadBandwidthLimit: SLOW_UPLOAD });

  const run = await backUpNow(consoleProcess, admin.headers, sensorId);
  let listed: RunBody | undefined;
  await waitFor(
    async () => {
      const runs = await api<{ items: RunBody[] }>(consoleProcess, 'GET', `/backups/runs?sensorId=${sensorId}`, { headers: admin.headers });
      listed = runs.body.items.find((item) => item.id === run.id);
      return (listed?.bytesReceived ?? 0) > 0;
    },
    60_000,
    () => `bytes of run ${run.id} to arrive; it is ${JSON.stringify(listed)}`,
  );
  assert.equal(listed?.status, 'running');
  assert.ok((listed?.bytesReceived ?? 0) < BACKUP_BYTES, `the upload is still in flight (${listed?.bytesReceived} bytes received)`);
  return { dataDir, env, sensor, sensorId, run, consoleProcess };
}

function targetFiles(dataDir: string): Promise<string[]> {
  return readdir(builtInTargetDirectory({ dataDir }));
}

describe('backups when the console goes away mid-upload', () => {
  it('after a kill: leaves only a .partial, fails the run at the next start, cleans up and backs up again', async () => {
    const { dataDir, env, sensor, sensorId, run, consoleProcess } = await uploadInFlight('killed');
    await consoleProcess.kill();
    const left = await targetFiles(dataDir);
    assert.deepEqual(left.filter((file) => !file.endsWith('.partial')), [], `nothing complete-looking is left: ${left.join(', ')}`);
    assert.equal(left.length, 1, `the kill left the upload's .partial: ${left.join(', ')}`);

    const restarted = await startChildConsole({ dataDir, env });
    cleanups.push(() => restarted.destroy());
    const admin = await signInToChildConsole(restarted);
    const abandoned = await getRun(restarted, admin, run.id);
    assert.equal(abandoned.status, 'failed', JSON.stringify(abandoned));
    assert.equal(abandoned.failure?.code, 'network-failure');
    assert.match(abandoned.failure?.reason ?? '', /console stopped while this backup was being transferred/);
    assert.deepEqual(await targetFiles(dataDir), [], 'the stale .partial was removed at the start');

    await sensor.waitForState('connected', 60_000);
    await setUploadLimit(restarted, admin, sensor, sensorId, {});
    const next = await waitForRunEnd(restarted, admin, (await backUpNow(restarted, admin.headers, sensorId)).id, 120_000);
    assert.equal(next.status, 'succeeded', JSON.stringify(next));
    assert.deepEqual(await targetFiles(dataDir), [next.fileName]);
    assert.equal(await sha256OfFile(path.join(builtInTargetDirectory({ dataDir }), next.fileName ?? '')), next.sha256);
  });

  it('after an ordered stop: the shutdown itself fails the run and removes the .partial', async () => {
    const { dataDir, env, run, consoleProcess } = await uploadInFlight('stopped');
    assert.equal(await consoleProcess.stop(), 0, consoleProcess.output.slice(-20).join('\n'));
    assert.deepEqual(await targetFiles(dataDir), [], 'the stop removed the .partial');

    const restarted = await startChildConsole({ dataDir, env });
    cleanups.push(() => restarted.destroy());
    const admin = await signInToChildConsole(restarted);
    assert.ok(!restarted.output.some((line) => line.includes('were marked failed')), 'no run was left running for the next start to fail');
    const interrupted = await getRun(restarted, admin, run.id);
    assert.equal(interrupted.status, 'failed', JSON.stringify(interrupted));
    assert.equal(interrupted.failure?.code, 'network-failure');
    assert.match(interrupted.failure?.reason ?? '', /dropped|ended/);
  });
});
