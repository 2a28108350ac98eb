/**
 * Restore over real links: a backup goes back onto a sensor of the same
 * version (its data returns, pcaps and logs stay as they are), is refused
 * onto a sensor of another version naming both versions, and every attempt
 * is audited.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { backUpNow, createZone, filesOf, linkedSensorWithData, waitForRunEnd } from './backups-harness.js';

let testConsole: TestConsole;
let admin: SignedIn;
let zoneId = '';
const sensors: TestSensor[] = [];

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  ({ zoneId } = await createZone(testConsole, admin, 'Restores'));
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

async function linked(name: string, version: string): Promise<{ sensor: TestSensor; sensorId: string }> {
  const sensor = await linkedSensorWithData(testConsole, admin, name, zoneId, { version });
  sensors.push(sensor);
  const state = await sensor.store.load();
  assert.ok(state);
  return { sensor, sensorId: state.sensorId };
}

describe('restoring sensor backups', () => {
  it('restores onto a sensor of the same version and refuses another version, naming both', async () => {
    const source = await linked('source-24', '24.1.3');
    const twin = await linked('twin-24', '24.1.3');
    const newer = await linked('newer-25', '25.0.0');
    const finished = await waitForRunEnd(testConsole, admin, (await backUpNow(testConsole, admin.headers, source.sensorId)).id);
    assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
    const [file] = await filesOf(testConsole, admin, source.sensorId);
    assert.ok(file);
    assert.equal(file.version, '24.1.3');

    // Same sensor, after its configuration changed: the backup brings it back.
    const config = path.join(source.sensor.core.root, 'config', 'sensor.conf');
    await writeFile(config, 'changed after the backup\n');
    await writeFile(path.join(source.sensor.core.root, 'logs', 'core.log'), 'newer log\n');
    const restored = await api<{ restored: boolean }>(testConsole, 'POST', `/backups/${file.id}/restore`, { headers: admin.headers, body: { sensorId: source.sensorId } });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.restored, true);
    assert.equal(await readFile(config, 'utf8'), 'name=source-24\n');
    assert.equal(await readFile(path.join(source.sensor.core.root, 'logs', 'core.log'), 'utf8'), 'newer log\n', 'logs are left alone');

    // Another sensor of the same version takes it too.
    const ontoTwin = await api(testConsole, 'POST', `/backups/${file.id}/restore`, { headers: admin.headers, body: { sensorId: twin.sensorId } });
    assert.equal(ontoTwin.status, 200, ontoTwin.text);
    assert.equal(await readFile(path.join(twin.sensor.core.root, 'config', 'sensor.conf'), 'utf8'), 'name=source-24\n');

    // Another version: refused, nothing changes there.
    const refused = await api<{ error: { code: string; message: string } }>(testConsole, 'POST', `/backups/${file.id}/restore`, { headers: admin.headers, body: { sensorId: newer.sensorId } });
    assert.equal(refused.status, 409, refused.text);
    assert.match(refused.body.error.message, /24\.1\.3/);
    assert.match(refused.body.error.message, /25\.0\.0/);
    assert.equal(await readFile(path.join(newer.sensor.core.root, 'config', 'sensor.conf'), 'utf8'), 'name=newer-25\n');

    const analyst = await signInAs(testConsole, 'security-analyst');
    assert.equal((await api(testConsole, 'POST', `/backups/${file.id}/restore`, { headers: analyst.headers, body: { sensorId: source.sensorId } })).status, 403);
    const badBody = await api<{ error: { details: { problems: Array<{ path: string }> } } }>(testConsole, 'POST', `/backups/${file.id}/restore`, { headers: admin.headers, body: { sensorId: 'nope' } });
    assert.equal(badBody.status, 400);
    assert.equal(badBody.body.error.details.problems[0]?.path, 'sensorId');

    const audits = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'backup.restored' }).toArray();
    assert.deepEqual(audits.map((record) => record.outcome).sort(), ['failure', 'success', 'success']);
  });
});
