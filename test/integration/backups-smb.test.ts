/**
 * Sensor backups onto real Samba shares through the backup-storage SMB
 * driver: several sensors to a normal share and to a hardened one (SMB3 only,
 * signing and encryption required), chosen by a zone schedule's target; and a
 * full share: the new backup fails with "not-enough-space" and the previous
 * one survives.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSamba, type Samba, type SambaShare } from '../helpers/samba.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { backUpNow, createZone, filesOf, linkedSensorWithData, sha256OfFile, waitForRunEnd, type RunBody } from './backups-harness.js';

let testConsole: TestConsole;
let admin: SignedIn;
let samba: Samba;
const sensors: TestSensor[] = [];

before(async () => {
  samba = await startSamba();
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
  await samba?.stop();
});

async function smbTarget(name: string, share: SambaShare, hardened: boolean): Promise<string> {
  const response = await api<{ id: string }>(testConsole, 'POST', '/backup-targets', {
    headers: admin.headers,
    body: { kind: 'smb', name, host: share.host, port: share.port, share: share.share, user: samba.user, password: samba.password, minimumProtocol: hardened ? 'SMB3' : 'SMB2', requireEncryption: hardened },
  });
  assert.equal(response.status, 201, response.text);
  return response.body.id;
}

async function zoneOnTarget(name: string, targetId: string): Promise<{ zoneId: string; scheduleId: string }> {
  const { zoneId } = await createZone(testConsole, admin, name);
  const schedule = await api<{ id: string }>(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'zone', scopeId: zoneId, time: '03:00', targetId } });
  assert.equal(schedule.status, 201, schedule.text);
  return { zoneId, scheduleId: schedule.body.id };
}

async function sensorIdOf(sensor: TestSensor): Promise<string> {
  return (await sensor.store.load())?.sensorId ?? '';
}

async function backUpZone(zoneId: string): Promise<RunBody[]> {
  const queued = await api<{ items: RunBody[] }>(testConsole, 'POST', `/zones/${zoneId}/backups`, { headers: admin.headers });
  assert.equal(queued.status, 202, queued.text);
  return Promise.all(queued.body.items.map((run) => waitForRunEnd(testConsole, admin, run.id, 120_000)));
}

describe('sensor backups to SMB shares', () => {
  for (const hardened of [false, true]) {
    it(`backs up several sensors to the ${hardened ? 'hardened (SMB3, encryption required)' : 'normal'} share`, async () => {
      const share = hardened ? samba.hardened : samba.normal;
      const targetId = await smbTarget(hardened ? 'Hardened share' : 'Normal share', share, hardened);
      const { zoneId } = await zoneOnTarget(hardened ? 'SMB hardened' : 'SMB normal', targetId);
      const prefix = hardened ? 'secure' : 'plain';
      const zoneSensors = await Promise.all([1, 2, 3].map((index) => linkedSensorWithData(testConsole, admin, `${prefix}-${index}`, zoneId, { dataBytes: 512 * 1024 })));
      sensors.push(...zoneSensors);
      const runs = await backUpZone(zoneId);
      assert.equal(runs.length, 3);
      for (const run of runs) {
        assert.equal(run.status, 'succeeded', JSON.stringify(run));
        assert.equal(run.targetId, targetId);
      }
      const onShare = (await readdir(share.path)).filter((name) => name.startsWith(prefix));
      assert.equal(onShare.length, 3, onShare.join(', '));
      assert.ok(onShare.every((name) => name.endsWith('.tar')), 'no partial files left');
      for (const sensor of zoneSensors) {
        const [file] = await filesOf(testConsole, admin, await sensorIdOf(sensor));
        assert.ok(file);
        assert.equal(await sha256OfFile(path.join(share.path, file.name)), file.sha256);
      }
    });
  }

  it('fails with not-enough-space on a full share and keeps the previous backup', async () => {
    const targetId = await smbTarget('Tiny share', samba.full, false);
    const { zoneId } = await zoneOnTarget('SMB full', targetId);
    const sensor = await linkedSensorWithData(testConsole, admin, 'crowded', zoneId, { dataBytes: 256 * 1024 });
    sensors.push(sensor);
    const sensorId = await sensorIdOf(sensor);
    const first = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id, 120_000);
    assert.equal(first.status, 'succeeded', JSON.stringify(first));
    await writeFile(path.join(sensor.core.root, 'data.bin'), randomBytes(samba.fullCapacityBytes + 1024 * 1024));
    const second = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, sensorId)).id, 120_000);
    assert.equal(second.status, 'failed');
    assert.equal(second.failure?.code, 'not-enough-space', JSON.stringify(second));
    const left = await readdir(samba.full.path);
    assert.deepEqual(left.filter((name) => name.startsWith('crowded')), [first.fileName]);
    assert.deepEqual((await filesOf(testConsole, admin, sensorId)).map((file) => file.name), [first.fileName]);
  });
});
