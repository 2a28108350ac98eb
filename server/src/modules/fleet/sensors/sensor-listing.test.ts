/**
 * The in-memory listing (embedded database) answers every query shape exactly
 * like the database listing (MongoDB), and stays right as the fleet's own
 * events change presence, health and placement; whom a settings save pushes to
 * comes from it at once and the database corrects it (scope-members.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { seedSensors, sensorFixture, type SeedSensor } from '../../../../../test/helpers/sensor-seed.js';
import { waitFor } from '../../../../../test/helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../../../../../test/helpers/test-console.js';
import type { SensorHealthReported } from '../fleet-events.js';
import { Fleet } from '../fleet-service.js';
import { revokedCertificateModel } from '../revoked-certificate-model.js';
import { sensorModel } from '../sensor-model.js';
import { zoneModel } from '../zones/zone-model.js';
import { listSensorsQuery } from './schema.js';
import { scopeMembers } from './scope-members.js';
import { DatabaseSensorListing, MemorySensorListing } from './sensor-listing.js';

describe('sensor listings', () => {
  let testConsole: TestConsole;
  let database: DatabaseSensorListing;
  let memory: MemorySensorListing;
  let fleet: Fleet;
  let sensors: SeedSensor[];
  const zoneIds = [randomUUID(), randomUUID()];
  const siteId = randomUUID();

  before(async () => {
    testConsole = await startTestConsole({ env: { GARRISON_LOG_LEVEL: 'warn' } });
    const connection = testConsole.garrison.database().connection;
    const states = ['connected', 'unreachable', 'disconnected', 'never-connected', 'revoked'] as const;
    sensors = await seedSensors(connection, 120, (index) => ({
      state: states[index % 5] ?? 'connected',
      versions: { sensorLink: '1.0.0', core: `24.${index % 3}.0`, protocol: 1 },
      lastSeenAt: index % 7 === 0 ? null : new Date(Date.now() - (index % 11) * 60_000),
      ...(index % 4 === 0 ? {} : { zoneId: zoneIds[index % 2] ?? null, siteId }),
      ...(index % 9 === 0 ? { name: `Boiler.${index}`, hostname: `BOILER-${index}.plant.example` } : {}),
    }));
    await zoneModel(connection).insertMany(zoneIds.map((_id, index) => ({ _id, siteId, name: `Zone ${index}`, nameKey: `zone ${index}` })));
    const model = sensorModel(connection);
    database = new DatabaseSensorListing(model);
    memory = new MemorySensorListing(model, testConsole.garrison.events);
    fleet = new Fleet({
      sensors: model,
      zones: zoneModel(connection),
      revokedCertificates: revokedCertificateModel(connection),
      events: testConsole.garrison.events,
      logger: testConsole.garrison.logger,
    });
  });
  after(() => testConsole?.destroy());
  const model = () => sensorModel(testConsole.garrison.database().connection);

  const queries = [
    {},
    { sort: 'state', order: 'desc', limit: '30', offset: '10' },
    { sort: 'lastSeenAt', limit: '500' },
    { sort: 'lastSeenAt', order: 'desc', limit: '500' },
    { sort: 'version', order: 'desc', limit: '500' },
    { state: 'connected,revoked', sort: 'version' },
    { unassigned: 'true' },
    { unassigned: 'false', sort: 'state' },
    { zoneId: zoneIds[0] ?? '', version: '24.1.0' },
    { siteId, state: 'unreachable' },
    { q: 'boiler' },
    { q: 'BOILER.' },
    { q: 'r.1' },
    { q: 'plant.example', limit: '5', offset: '115' },
  ];

  async function assertSameAnswers(): Promise<void> {
    for (const raw of queries) {
      const query = listSensorsQuery.parse(raw);
      const [fromDatabase, fromMemory] = await Promise.all([database.page(query), memory.page(query)]);
      assert.equal(fromMemory.total, fromDatabase.total, JSON.stringify(raw));
      assert.deepEqual(fromMemory.rows.map((row) => row.name), fromDatabase.rows.map((row) => row.name), JSON.stringify(raw));
    }
    // Whom a settings save pushes to: same sensors, same order, same placements.
    const scopes = [
      { kind: 'global', id: null },
      { kind: 'site', id: siteId },
      ...zoneIds.map((id) => ({ kind: 'zone', id }) as const),
      { kind: 'sensor', id: sensors[1]?._id ?? '' },
      { kind: 'sensor', id: sensors[0]?._id ?? '' },
    ] as const;
    for (const scope of scopes) {
      const fromDatabase = await scopeMembers(model(), database, scope);
      assert.equal(fromDatabase.confirm, null);
      assert.deepEqual(memory.cachedInScope(scope), fromDatabase.sensors, JSON.stringify(scope));
    }
  }

  it('answers every query shape like the database', async () => {
    await assertSameAnswers();
    // The fixture covers what a push must leave out or include: revoked sensors in the zone, unassigned ones.
    const zone = memory.cachedInScope({ kind: 'zone', id: zoneIds[0] ?? '' }) ?? [];
    assert.ok(zone.length > 0 && zone.every((sensor) => sensor.state !== 'revoked' && sensor.zoneId === zoneIds[0]));
    assert.ok(sensors.some((sensor) => sensor.zoneId === zoneIds[0] && sensor.state === 'revoked'));
    assert.deepEqual(memory.cachedInScope({ kind: 'sensor', id: sensors[4]?._id ?? '' }), [], 'a revoked sensor is pushed nothing');
  });

  it('lists only sensors within a user scope, like the database', async () => {
    const scopes = [
      { siteIds: new Set([siteId]), zoneIds: new Set<string>() },
      { siteIds: new Set<string>(), zoneIds: new Set([zoneIds[1] ?? '']) },
      { siteIds: new Set<string>(), zoneIds: new Set<string>() },
    ];
    const expected = [sensors.filter((sensor) => sensor.siteId === siteId).length, sensors.filter((sensor) => sensor.zoneId === zoneIds[1]).length, 0];
    for (const [index, within] of scopes.entries()) {
      for (const raw of [{}, { q: 'boiler', sort: 'state' }, { unassigned: 'true' }]) {
        const query = listSensorsQuery.parse({ ...raw, limit: '500' });
        const [fromDatabase, fromMemory] = await Promise.all([database.page(query, within), memory.page(query, within)]);
        assert.deepEqual(fromMemory.rows.map((row) => row.name), fromDatabase.rows.map((row) => row.name), JSON.stringify(raw));
        assert.ok(fromDatabase.rows.every((row) => (row.siteId !== null && within.siteIds.has(row.siteId)) || (row.zoneId !== null && within.zoneIds.has(row.zoneId))));
        if (Object.keys(raw).length === 0) assert.equal(fromDatabase.total, expected[index]);
      }
    }
  });

  it('follows presence, health and placement changes made through the fleet, and reloads after a revocation', async () => {
    const [first, second, third] = sensors.filter((sensor) => sensor.state !== 'revoked' && sensor.state !== 'connected');
    assert.ok(first && second && third);
    const at = new Date();
    await fleet.updatePresence([{ sensorId: first._id, state: 'connected', reason: 'link-established', at }]);
    await fleet.recordHealth([
      {
        sensorId: second._id,
        lastSeenAt: at,
        health: { receivedAt: at, sensorTime: at, clockSkewMs: 3, packetsPerSecond: 1, bytesPerSecond: 1, diskUsedPercent: 1, uptimeSeconds: 1 },
      },
    ]);
    await sensorModel(testConsole.garrison.database().connection).updateOne({ _id: first._id }, { $set: { zoneId: null, siteId: null } });
    testConsole.garrison.events.publish('sensor.placement-changed', { sensorId: first._id, sensorName: first.name, siteId: null, zoneId: null, previousZoneId: first.zoneId, at });
    // Patched from the events alone (the rows were loaded by the first test, seconds ago).
    await assertSameAnswers();
    await fleet.revoke(third._id, { byUser: null, remove: true });
    await assertSameAnswers();
    const connected = await memory.page(listSensorsQuery.parse({ state: 'connected', limit: '500' }));
    assert.ok(connected.rows.some((row) => row._id === first._id));
  });

  it('pushes from memory at once, and the database corrects what was written behind the console\'s back', async () => {
    const zone = { kind: 'zone', id: zoneIds[1] ?? '' } as const;
    await memory.page(listSensorsQuery.parse({}));
    // As they are now (the tests before moved and revoked some).
    const [movedIn, movedOut] = [
      (await scopeMembers(model(), database, { kind: 'global', id: null })).sensors.find((sensor) => sensor.zoneId === null),
      memory.cachedInScope(zone)?.[0],
    ];
    assert.ok(movedIn && movedOut);
    // Written straight to the database: no event tells the memory.
    await model().updateOne({ _id: movedIn._id }, { $set: { zoneId: zone.id, siteId } });
    await model().updateOne({ _id: movedOut._id }, { $set: { zoneId: null, siteId: null } });
    const preview = await scopeMembers(model(), memory, zone, false);
    assert.equal(preview.confirm, null, 'a preview pushes nothing, so nothing reads the database behind it');
    assert.deepEqual(preview.sensors, memory.cachedInScope(zone));
    const members = await scopeMembers(model(), memory, zone);
    assert.ok(members.sensors.some((sensor) => sensor._id === movedOut._id) && !members.sensors.some((sensor) => sensor._id === movedIn._id), 'answered from memory');
    assert.ok(members.confirm);
    const corrections = await members.confirm();
    assert.deepEqual(corrections.missed.map((sensor) => [sensor._id, sensor.zoneId]), [[movedIn._id, zone.id]]);
    assert.deepEqual(corrections.outside, [movedOut._id]);
    assert.equal(memory.cachedInScope(zone), null, 'the memory is reloaded before it answers again');
    await memory.page(listSensorsQuery.parse({}));
    assert.deepEqual(memory.cachedInScope(zone), (await scopeMembers(model(), database, zone)).sensors);
  });

  it('keeps a health report newer than the database through a reload (health is written spaced out on large fleets)', async () => {
    const sensor = sensors.find((entry) => entry.state === 'connected');
    assert.ok(sensor);
    const older = new Date(Date.now() - 60_000);
    const newer = new Date();
    const report = (at: Date, clockSkewMs: number) => ({
      sensorId: sensor._id,
      lastSeenAt: at,
      health: { receivedAt: at, sensorTime: at, clockSkewMs, packetsPerSecond: 1, bytesPerSecond: 1, diskUsedPercent: 1, uptimeSeconds: 1 },
    });
    await fleet.recordHealth([report(older, 11)]);
    // Published, not written: the database keeps the older report.
    await fleet.recordHealth([report(newer, 22)], new Set());
    memory.invalidate();
    const query = listSensorsQuery.parse({ q: sensor.name, limit: '10' });
    const [row] = (await memory.page(query)).rows.filter((entry) => entry._id === sensor._id);
    assert.equal(row?.lastSeenAt?.getTime(), newer.getTime());
    assert.equal(row?.health?.clockSkewMs, 22);
    const [stored] = (await database.page(query)).rows.filter((entry) => entry._id === sensor._id);
    assert.equal(stored?.lastSeenAt?.getTime(), older.getTime(), 'the database has the older one');
  });

  it('names health reports from memory when it holds the sensors, and from the database for the rest', async () => {
    const named = new Fleet({
      sensors: model(),
      zones: zoneModel(testConsole.garrison.database().connection),
      revokedCertificates: revokedCertificateModel(testConsole.garrison.database().connection),
      events: testConsole.garrison.events,
      logger: testConsole.garrison.logger,
      listing: memory,
    });
    await memory.page(listSensorsQuery.parse({}));
    const [held, revoked] = [sensors.find((sensor) => sensor.state === 'disconnected'), sensors.find((sensor) => sensor.state === 'revoked')];
    assert.ok(held && revoked);
    // Behind the console's back: a name the memory does not hold, and a sensor it has never seen.
    await model().updateOne({ _id: held._id }, { $set: { name: 'Renamed in the database' } });
    const unseen = sensorFixture(900, { name: 'Never listed' });
    await model().create(unseen);
    const reported: SensorHealthReported[] = [];
    const off = testConsole.garrison.events.on('sensor.health-reported', (report) => {
      reported.push(report);
    });
    const at = new Date();
    const healthOf = (sensorId: string) => ({
      sensorId,
      lastSeenAt: at,
      health: { receivedAt: at, sensorTime: at, clockSkewMs: 1, packetsPerSecond: 1, bytesPerSecond: 1, diskUsedPercent: 1, uptimeSeconds: 1 },
    });
    try {
      await named.recordHealth([held, revoked, unseen].map((sensor) => healthOf(sensor._id)), new Set());
      assert.deepEqual(reported.map((report) => report.sensorName).sort(), [held.name, 'Never listed'].sort(), 'the held one by the memory\'s name, no read for it; none for the revoked one');
      reported.length = 0;
      memory.invalidate();
      await named.recordHealth([healthOf(held._id)], new Set());
      assert.deepEqual(reported.map((report) => report.sensorName), ['Renamed in the database'], 'a stale memory is not trusted');
    } finally {
      off();
    }
  });
  it('starts loading its rows when a health report asks before anything listed sensors', async () => {
    const fresh = new MemorySensorListing(model(), testConsole.garrison.events);
    const stored = await model().findOne({ state: { $ne: 'revoked' } }, { _id: 1, name: 1, siteId: 1, zoneId: 1, state: 1 }).lean();
    assert.ok(stored);
    assert.equal(fresh.cachedPlacements([stored._id]), null, 'nothing is held yet: the caller reads the database');
    await waitFor(() => fresh.cachedPlacements([stored._id]) !== null, 10_000, () => 'the rows to load');
    assert.deepEqual(fresh.cachedPlacements([stored._id, 'no-such-sensor']), { rows: [{ _id: stored._id, name: stored.name, siteId: stored.siteId, zoneId: stored.zoneId, state: stored.state }], unknown: ['no-such-sensor'] });
  });
});
