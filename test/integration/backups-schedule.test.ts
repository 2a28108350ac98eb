/**
 * Scheduled backups through the real schedule tick (agenda): a sensor override
 * beats its zone's (which turns backups off), the slot runs once however many
 * ticks see it, and an unknown scope is refused naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { createZone, linkedSensorWithData, patchPolicy, waitForRunEnd, type RunBody } from './backups-harness.js';

let testConsole: TestConsole;
let admin: SignedIn;
const sensors: TestSensor[] = [];

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

function hhmm(at: Date): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

async function runsOf(sensorId: string): Promise<RunBody[]> {
  const response = await api<{ items: RunBody[] }>(testConsole, 'GET', `/backups/runs?sensorId=${sensorId}`, { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  return response.body.items;
}

describe('scheduled backups', () => {
  it('runs a sensor at its own schedule time, once, while its zone has backups off', async () => {
    const { zoneId } = await createZone(testConsole, admin, 'Scheduled');
    const scheduled = await linkedSensorWithData(testConsole, admin, 'on-schedule', zoneId);
    const quiet = await linkedSensorWithData(testConsole, admin, 'zone-off', zoneId);
    sensors.push(scheduled, quiet);
    const scheduledId = (await scheduled.store.load())?.sensorId ?? '';
    const quietId = (await quiet.store.load())?.sensorId ?? '';
    await patchPolicy(testConsole, admin, { spreadWindowMinutes: 0 });

    const nextMinute = new Date(Date.now() + 60_000);
    const zoneOff = await api(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'zone', scopeId: zoneId, enabled: false, time: hhmm(nextMinute) } });
    assert.equal(zoneOff.status, 201, zoneOff.text);
    const own = await api<{ id: string }>(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'sensor', scopeId: scheduledId, time: hhmm(nextMinute) } });
    assert.equal(own.status, 201, own.text);
    const duplicate = await api(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'sensor', scopeId: scheduledId, time: '04:00' } });
    assert.equal(duplicate.status, 409, duplicate.text);
    const unknown = await api<{ error: { details: { problems: Array<{ path: string }> } } }>(testConsole, 'POST', '/backups/schedules', { headers: admin.headers, body: { scope: 'zone', scopeId: scheduledId, time: '25:00' } });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.error.details.problems[0]?.path, 'time');

    let runs: RunBody[] = [];
    await waitFor(async () => (runs = await runsOf(scheduledId)).length > 0, 150_000, () => 'a scheduled run');
    const [first] = runs;
    assert.ok(first);
    assert.equal(first.trigger, 'scheduled');
    assert.equal((await waitForRunEnd(testConsole, admin, first.id)).status, 'succeeded');
    // More ticks pass (every 20 s): the slot still has one run, and the zone's "off" held for the other sensor.
    await new Promise((resolve) => setTimeout(resolve, 45_000));
    assert.equal((await runsOf(scheduledId)).length, 1);
    assert.equal((await runsOf(quietId)).length, 0);
  });
});
