/**
 * A backup to an SMB target whose server is down (a port nothing listens on:
 * smbclient gets "connection refused") fails with 'storage-unreachable' and a
 * sentence, raises 'backup.failed', records no file, and leaves nothing
 * behind: no credentials file on the console, no file listed for the sensor. Both ways
 * into the share are covered: a target at the share's root (the upload itself
 * is the first call) and one with a folder (creating it is the first call).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freeTcpPort, waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { backUpNow, createZone, filesOf, linkedSensorWithData, waitForRunEnd } from './backups-harness.js';

// smbclient's credentials files go to os.tmpdir(): a folder of this test's own, so "none left" is not disturbed by other tests.
const sharedTmp = os.tmpdir();
const privateTmp = await mkdtemp(path.join(sharedTmp, 'garrison-unreachable-'));
process.env.TMPDIR = privateTmp;

let testConsole: TestConsole;
let admin: SignedIn;
let sensor: TestSensor;
let sensorId: string;
let scheduleId: string;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  const { zoneId } = await createZone(testConsole, admin, 'Unreachable');
  sensor = await linkedSensorWithData(testConsole, admin, 'stranded', zoneId, { dataBytes: 2 * 1024 * 1024 });
  sensorId = (await sensor.store.load())?.sensorId ?? '';
  const schedule = await api<{ id: string }>(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'sensor', scopeId: sensorId, time: '03:00', targetId: null } });
  assert.equal(schedule.status, 201, schedule.text);
  scheduleId = schedule.body.id;
});
after(async () => {
  await sensor?.stop();
  await testConsole?.destroy();
  process.env.TMPDIR = sharedTmp;
  await rm(privateTmp, { recursive: true, force: true });
});

async function downTarget(name: string, directory: string): Promise<string> {
  const response = await api<{ id: string }>(testConsole, 'POST', '/backup-targets', {
    headers: admin.headers,
    body: { kind: 'smb', name, host: '127.0.0.1', port: await freeTcpPort(), share: 'backups', directory, user: 'backupuser', password: 'Backup-Pass-1', minimumProtocol: 'SMB2', requireEncryption: false },
  });
  assert.equal(response.status, 201, response.text);
  return response.body.id;
}

interface EventBody {
  title: string;
  fields: Record<string, unknown>;
}

describe('a backup to an SMB server that is down', () => {
  for (const directory of ['', 'garrison/sensors']) {
    it(`fails with storage-unreachable and leaves nothing behind (${directory ? 'target folder' : 'share root'})`, async () => {
      const targetId = await downTarget(`Down ${directory || 'root'}`, directory);
      const moved = await api(testConsole, 'PATCH', `/backups/schedules/${scheduleId}`, { headers: admin.headers, body: { targetId } });
      assert.equal(moved.status, 200, moved.text);

      const run = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id, 120_000);
      assert.equal(run.status, 'failed', JSON.stringify(run));
      assert.equal(run.targetId, targetId);
      assert.equal(run.failure?.code, 'storage-unreachable', JSON.stringify(run));
      assert.match(run.failure?.reason ?? '', /^[A-Z].*(unreachable|could not be reached).*\.$/, 'a sentence saying the target cannot be reached');
      assert.equal(run.fileId, null);
      assert.deepEqual(await filesOf(testConsole, admin, sensorId), []);

      let failed: EventBody[] = [];
      await waitFor(
        async () => {
          const events = await api<{ events: EventBody[] }>(testConsole, 'GET', `/notifications/events?type=backup.failed&sensorId=${sensorId}`, { headers: admin.headers });
          failed = events.body.events.filter((event) => event.fields.reason === `storage-unreachable: ${run.failure?.reason}`);
          return failed.length === 1;
        },
        15_000,
        () => `one backup.failed event for run ${run.id}`,
      );
      assert.deepEqual(await readdir(privateTmp).then((names) => names.filter((name) => name.startsWith('garrison-smb-'))), [], 'no credentials file is left');
      const usage = await api<Record<string, unknown>>(testConsole, 'GET', `/backup-targets/${targetId}/usage`, { headers: admin.headers });
      assert.ok(usage.status >= 400 && usage.status < 600 && usage.status !== 500, `the usage of a down target is an error in words: ${usage.status} ${usage.text}`);
    });
  }
});
