/**
 * `sensors backup <name>` over the real OpenSSH client: a linked sensor's
 * backup lands on the built-in target and the command prints its file; an
 * offline sensor's run fails with the reason in words and a non-zero exit
 * status; a Read Only user may not start one; `--no-wait` only queues.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { sshExec } from '../helpers/ssh-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';
import { createZone, linkedSensorWithData } from './backups-harness.js';

let testConsole: TestConsole;
let admin: SignedIn;
const sensors: TestSensor[] = [];
const asAdmin = (command: string) => sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, command, 90_000);

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

describe('sensors backup from the SSH CLI', () => {
  it('backs up a linked sensor, waits, and prints the file it wrote', async () => {
    const { zoneId } = await createZone(testConsole, admin, 'Compressors');
    sensors.push(await linkedSensorWithData(testConsole, admin, 'cli-backup-1', zoneId));
    const result = await asAdmin('sensors backup cli-backup-1');
    assert.equal(result.code, 0, result.stderr);
    const fileName = /written: (cli-backup-1-backup-version-\S+\.tar) \((\d+) bytes, sha256 [0-9a-f]{64}\)/.exec(result.stdout)?.[1];
    assert.ok(fileName, result.stdout);
    const stored = await readdir(path.join(testConsole.dataDir, 'sensor-backups'));
    assert.ok(stored.includes(fileName), `${fileName} is on the built-in target (${stored.join(', ')})`);
    const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'backup.requested', 'target.name': 'cli-backup-1' }).toArray();
    assert.equal(audited.length, 1);
  });

  it('--no-wait queues the run and returns at once', async () => {
    const result = await asAdmin('sensors backup cli-backup-1 --no-wait');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Backup of cli-backup-1 queued as run \S+\./);
  });

  it('an offline sensor fails with the reason in words and a non-zero exit status', async () => {
    const sensor = sensors[0];
    assert.ok(sensor);
    await sensor.stop();
    const sensorId = sensor.enrollment?.sensorId ?? '';
    await waitFor(async () => (await api<{ state: string }>(testConsole, 'GET', `/sensors/${sensorId}`, { headers: admin.headers })).body.state !== 'connected', 15_000);
    const result = await asAdmin('sensors backup cli-backup-1');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Backup of cli-backup-1 failed \(sensor-offline\): .+/);
  });

  it('is refused to a Read Only user and for an unknown sensor', async () => {
    const created = await api(testConsole, 'POST', '/users', { headers: admin.headers, body: { username: 'watcher', password: 'watcher-password-1', role: 'read-only' } });
    assert.equal(created.status, 201, created.text);
    const refused = await sshExec(testConsole.sshPort, 'watcher', 'watcher-password-1', 'sensors backup cli-backup-1');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /does not allow "sensors backup"/);
    const unknown = await asAdmin('sensors backup no-such-sensor');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /No sensor is named no-such-sensor/);
  });
});
