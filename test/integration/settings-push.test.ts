/**
 * The live settings push over real links: a zone's NTP reaches every linked
 * sensor's files and each acknowledgement lands in the drift report; a sensor
 * offline during the push gets the settings when it links again; a failed
 * apply comes back with the sensor's reason (drift report and a
 * 'settings.apply-result' event); garbage settings are refused, never applied.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { applyPushedSettings } from '../../sensor-link/src/connection/settings-apply.js';
import { DirectoryCore } from '../../sensor-link/src/core/directory-core.js';
import { SETTINGS_FILES } from '../../sensor-link/src/core/settings-files.js';
import { LinkStateStore } from '../../sensor-link/src/state/link-state.js';
import type { SettingsApplyResultRecorded } from '../../server/src/modules/settings/settings-events.js';
import { waitFor } from '../helpers/free-ports.js';
import { standInConsole } from '../helpers/link-peers.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, singleUseConnectionString, standingConnectionString, type TestSensor, type TestSensorOptions } from '../helpers/test-sensors.js';
import { api, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

interface DriftRow {
  sensorId: string;
  sensorName: string;
  desiredRevision: number;
  appliedRevision: number | null;
  inSync: boolean;
  lastResult: { revision: number; ok: boolean; reason: string | null } | null;
}

let testConsole: TestConsole;
let admin: SignedIn;
let siteId = '';
const sensors: TestSensor[] = [];
const applyResults: SettingsApplyResultRecorded[] = [];

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Refinery' } });
  assert.equal(site.status, 201, site.text);
  siteId = site.body.id;
  testConsole.garrison.events.on('settings.apply-result', (event) => {
    applyResults.push(event);
  });
});
after(async () => {
  await Promise.all(sensors.map((sensor) => sensor.stop()));
  await testConsole?.destroy();
});

async function createZone(name: string): Promise<string> {
  const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId, name } });
  assert.equal(zone.status, 201, zone.text);
  return zone.body.id;
}

async function linkedSensor(name: string, zoneId: string, options: TestSensorOptions = {}): Promise<TestSensor> {
  const sensor = await createTestSensor(name, options);
  sensors.push(sensor);
  const { connectionString } = await singleUseConnectionString(testConsole, admin.headers, { zoneId });
  await sensor.enroll(connectionString);
  await sensor.link();
  await sensor.waitForState('connected');
  return sensor;
}

async function putZoneSettings(zoneId: string, settings: Record<string, unknown>): Promise<number> {
  const current = await api<{ revision: number }>(testConsole, 'GET', `/settings/zones/${zoneId}`, { headers: admin.headers });
  assert.equal(current.status, 200, current.text);
  const saved = await api<{ revision: number }>(testConsole, 'PUT', `/settings/zones/${zoneId}`, { headers: admin.headers, body: { baseRevision: current.body.revision, settings } });
  assert.equal(saved.status, 200, saved.text);
  return saved.body.revision;
}

async function drift(zoneId: string): Promise<DriftRow[]> {
  const report = await api<{ items: DriftRow[] }>(testConsole, 'GET', `/settings/drift?zoneId=${zoneId}`, { headers: admin.headers });
  assert.equal(report.status, 200, report.text);
  return report.body.items;
}

function chronyOf(sensor: TestSensor): Promise<string | null> {
  return readFile(path.join(sensor.core.root, SETTINGS_FILES.chrony), 'utf8').catch(() => null);
}

async function waitForChrony(sensor: TestSensor, text: string): Promise<void> {
  await waitFor(async () => (await chronyOf(sensor))?.includes(text) ?? false, 15_000, () => `${sensor.name}'s chrony.conf to mention ${text}\n${sensor.log.slice(-5).join('\n')}`);
}

async function waitForDrift(zoneId: string, check: (rows: DriftRow[]) => boolean, what: string): Promise<DriftRow[]> {
  let rows: DriftRow[] = [];
  await waitFor(
    async () => check((rows = await drift(zoneId))),
    15_000,
    () => `${what}; drift is ${JSON.stringify(rows)}`,
  );
  return rows;
}

describe('the settings push', () => {
  it('pushes a zone\'s NTP to every linked sensor in it and records each acknowledgement', async () => {
    const zoneId = await createZone('Crude unit');
    const zoneSensors = await Promise.all(['crude-01', 'crude-02', 'crude-03', 'crude-04'].map((name) => linkedSensor(name, zoneId)));
    const revision = await putZoneSettings(zoneId, { ntp: { enabled: true, servers: [{ address: '10.20.0.1' }, { address: 'ntp.plant.local', port: 1123 }] } });

    for (const sensor of zoneSensors) {
      await waitForChrony(sensor, 'server 10.20.0.1 port 123 iburst');
      assert.match((await chronyOf(sensor)) ?? '', /server ntp\.plant\.local port 1123 iburst/);
    }
    const rows = await waitForDrift(zoneId, (items) => items.length === 4 && items.every((row) => row.appliedRevision === row.desiredRevision), 'every sensor in sync');
    for (const row of rows) {
      assert.equal(row.desiredRevision, revision);
      assert.equal(row.inSync, true);
      assert.equal(row.lastResult?.ok, true);
    }
    // The sensor remembers what it applied, so a restart does not apply it again.
    const remembered = JSON.parse(await readFile(path.join(zoneSensors[0]!.store.directory, 'settings-applied.json'), 'utf8')) as { revision: number };
    assert.equal(remembered.revision, revision);

    // A second save replaces the managed block on every sensor.
    const second = await putZoneSettings(zoneId, { ntp: { enabled: true, servers: [{ address: '10.20.0.9' }] } });
    for (const sensor of zoneSensors) {
      await waitForChrony(sensor, 'server 10.20.0.9 port 123 iburst');
      assert.doesNotMatch((await chronyOf(sensor)) ?? '', /10\.20\.0\.1 /);
    }
    await waitForDrift(zoneId, (items) => items.every((row) => row.appliedRevision === second && row.inSync), 'every sensor on the second revision');
  });

  it('gives a sensor that was offline during the push its settings when it links again', async () => {
    const zoneId = await createZone('Utilities');
    const online = await linkedSensor('util-01', zoneId);
    const offline = await linkedSensor('util-02', zoneId);
    const offlineId = offline.enrollment?.sensorId ?? '';
    offline.client?.stop();
    await waitFor(() => testConsole.logs.some((line) => line.includes('link closed') && line.includes(offlineId)), 10_000, () => 'the console to notice the closed link');

    const revision = await putZoneSettings(zoneId, { ntp: { enabled: true, servers: [{ address: '10.30.0.1' }] } });
    await waitForChrony(online, 'server 10.30.0.1');
    const behind = await waitForDrift(zoneId, (items) => items.some((row) => row.sensorName === 'util-01' && row.inSync), 'the online sensor in sync');
    const offlineRow = behind.find((row) => row.sensorName === 'util-02');
    assert.equal(offlineRow?.inSync, false);
    assert.equal(offlineRow?.appliedRevision, null);
    assert.equal(await chronyOf(offline), null, 'nothing reached the offline sensor');

    await offline.link();
    await offline.waitForState('connected');
    await waitForChrony(offline, 'server 10.30.0.1');
    await waitForDrift(zoneId, (items) => items.every((row) => row.appliedRevision === revision && row.inSync), 'both sensors in sync after the reconnect');
  });

  it('pushes to a sensor moved in behind the console\'s back once the database confirms the save, after the others', async () => {
    const zoneId = await createZone('Alkylation');
    const otherZoneId = await createZone('Tank farm');
    const members = await Promise.all(['alky-01', 'alky-02'].map((name) => linkedSensor(name, zoneId)));
    const movedIn = await linkedSensor('tank-01', otherZoneId);
    const movedInId = movedIn.enrollment?.sensorId ?? '';
    // The sensors page loads the in-memory list the save pushes from.
    const listed = await api<{ items: unknown[] }>(testConsole, 'GET', '/sensors', { headers: admin.headers });
    assert.equal(listed.status, 200, listed.text);
    // Written straight to the database: nothing tells the in-memory list.
    await testConsole.garrison.database().db.collection('sensors').updateOne({ _id: movedInId as never }, { $set: { zoneId } });

    const revision = await putZoneSettings(zoneId, { ntp: { enabled: true, servers: [{ address: '10.50.0.1' }] } });
    await Promise.all([...members, movedIn].map((sensor) => waitForChrony(sensor, 'server 10.50.0.1')));
    await waitForDrift(zoneId, (items) => items.length === 3 && items.every((row) => row.appliedRevision === revision && row.inSync), 'all three sensors in sync');
    // The moved sensor was pushed to by the correction, which waited for the push to the others to go out.
    const order = applyResults.filter((result) => result.revision === revision && result.ok).map((result) => result.sensorName);
    assert.deepEqual(order.slice(0, 2).sort(), ['alky-01', 'alky-02'], JSON.stringify(order));
    assert.equal(order[2], 'tank-01');
    assert.ok(testConsole.logs.some((line) => line.includes('placed sensors differently') && line.includes('"missed":1')), 'the correction is logged');
  });

  it('records a failed apply with the sensor\'s reason and publishes a failed apply result', async () => {
    const zoneId = await createZone('Flare');
    const failing = await linkedSensor('flare-01', zoneId, {
      reloadCommand: [process.execPath, '-e', 'process.stderr.write("chronyd: invalid directive at line 3\\n"); process.exit(1)'],
    });
    const sensorId = failing.enrollment?.sensorId ?? '';
    const revision = await putZoneSettings(zoneId, { ntp: { enabled: true, servers: [{ address: '10.40.0.1' }] } });

    const rows = await waitForDrift(zoneId, (items) => items[0]?.lastResult?.ok === false, 'a failed apply result');
    const row = rows[0]!;
    assert.equal(row.inSync, false);
    assert.equal(row.appliedRevision, null);
    assert.equal(row.lastResult?.revision, revision);
    assert.match(row.lastResult?.reason ?? '', /could not apply settings revision \d+: The reload command node exited with code 1: chronyd: invalid directive at line 3/);
    // The drift record is written just before the event is published: wait for it.
    const failedEvent = () => applyResults.find((result) => result.sensorId === sensorId && !result.ok);
    await waitFor(() => failedEvent() !== undefined, 10_000, () => 'a failed settings.apply-result event');
    const event = failedEvent();
    assert.ok(event, 'a failed settings.apply-result event');
    assert.equal(event.revision, revision);
    assert.match(event.reason ?? '', /exited with code 1/);
    // Not remembered as applied: the next push tries (and reloads) again.
    await assert.rejects(stat(path.join(failing.store.directory, 'settings-applied.json')));
  });

  it('refuses garbage settings pushed over a real link with a reason, and applies nothing', async () => {
    // The console never sends invalid settings (effectiveFor validates), so a stand-in console with a
    // server certificate from the same CA pushes the garbage to a real, enrolled LinkClient.
    const sensor = await createTestSensor('garbage-01');
    sensors.push(sensor);
    await sensor.enroll((await standingConnectionString(testConsole, admin.headers)).connectionString);
    const standIn = await standInConsole(testConsole);
    const answers: unknown[] = [];
    standIn.link.on('connection', (socket) => {
      socket.emit('link:welcome', { sensorId: sensor.enrollment?.sensorId ?? '', sensorName: 'garbage-01', zoneId: null, consoleTime: new Date().toISOString(), healthIntervalMs: 60_000 });
      void (async () => {
        answers.push(await socket.timeout(5000).emitWithAck('settings:apply', { revision: 9, settings: { ntp: { enabled: 'yes', servers: [{ address: '; rm -rf /' }] }, rogue: true } }));
        answers.push(await socket.timeout(5000).emitWithAck('settings:apply', { revision: -1 }));
      })();
    });
    try {
      const state = await sensor.store.load();
      assert.ok(state);
      await sensor.store.save({ ...state, consoleAddresses: [standIn.address] });
      await sensor.link();
      await sensor.waitForState('connected');
      await waitFor(() => answers.length === 2, 10_000, () => 'two answers from the sensor');
      const [garbage, malformed] = answers as Array<{ error?: { code: string; message: string } }>;
      assert.equal(garbage?.error?.code, 'invalid-message');
      assert.match(garbage?.error?.message ?? '', /refused settings revision 9 as not valid \(nothing was applied\): .*ntp\.enabled/);
      assert.doesNotMatch(garbage?.error?.message ?? '', /rm -rf/, 'values are not echoed');
      assert.equal(malformed?.error?.code, 'invalid-message');
      assert.equal(await chronyOf(sensor), null, 'nothing was applied');
      await assert.rejects(stat(path.join(sensor.core.root, SETTINGS_FILES.json)));
    } finally {
      sensor.client?.stop();
      await standIn.close();
    }
  });

  it('the sensor\'s push handler refuses malformed pushes, and does not apply an applied revision again', async () => {
    const root = await makeTempDir('garbage');
    const core = new DirectoryCore(path.join(root, 'core'));
    const store = new LinkStateStore(path.join(root, 'state'));
    await mkdir(store.directory, { recursive: true });
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const push = (request: unknown) => applyPushedSettings({ request, sensorId: 'sensor-x', core, store, log });

    const garbage = await push({ revision: 7, settings: { ntp: { enabled: true, servers: [{ address: 'not a host!' }] }, rogue: '$(reboot)' } });
    assert.ok('error' in garbage);
    assert.equal(garbage.error.code, 'invalid-message');
    assert.match(garbage.error.message, /refused settings revision 7 as not valid \(nothing was applied\)/);
    assert.match(garbage.error.message, /ntp\.servers\.0\.address/);
    assert.doesNotMatch(garbage.error.message, /reboot/, 'values are not echoed');
    const malformed = await push({ revision: 'seven', settings: {} });
    assert.ok('error' in malformed);
    assert.match(malformed.error.message, /malformed/);
    await assert.rejects(stat(path.join(core.root, SETTINGS_FILES.chrony)), 'no file was written');
    await assert.rejects(stat(path.join(core.root, SETTINGS_FILES.json)));
    assert.equal(await store.loadAppliedSettings(), null);

    // Valid settings apply; the same revision again is acknowledged without rewriting anything.
    const good = { revision: 8, settings: { ntp: { enabled: true, servers: [{ address: '10.50.0.1', port: 123 }] } } };
    assert.deepEqual(await push(good), { data: { revision: 8, applied: true } });
    const chronyFile = path.join(core.root, SETTINGS_FILES.chrony);
    assert.match(await readFile(chronyFile, 'utf8'), /server 10\.50\.0\.1 port 123 iburst/);
    await writeFile(chronyFile, 'edited by hand\n');
    assert.deepEqual(await push(good), { data: { revision: 8, applied: true } });
    assert.equal(await readFile(chronyFile, 'utf8'), 'edited by hand\n', 'an applied revision is not applied again');
  });
});
