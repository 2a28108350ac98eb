/**
 * The fleet service on a real embedded database: enrolment and re-enrolment
 * (same id and zone, superseded serial revoked, no duplicate under a race),
 * presence changes published only when real, one bulk write per health batch,
 * revocation and deletion feeding the CRL list.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { startTestConsole, type TestConsole } from '../../../../test/helpers/test-console.js';
import type { DomainEvents } from '../../platform/event-bus.js';
import type { SensorCertificate } from './sensor-model.js';
import { sensorModel } from './sensor-model.js';
import { Fleet } from './fleet-service.js';
import { revokedCertificateModel } from './revoked-certificate-model.js';
import { zoneModel } from './zones/zone-model.js';
import { siteModel } from './sites/site-model.js';
import type { RecordEnrollmentInput } from './fleet-service-contract.js';

function certificate(): SensorCertificate {
  return {
    serialNumber: randomBytes(16).toString('hex'),
    fingerprint256: randomBytes(32).toString('hex'),
    notBefore: new Date(Date.now() - 300_000),
    notAfter: new Date(Date.now() + 90 * 86_400_000),
  };
}

function enrollment(name: string, zoneId: string | null = null): RecordEnrollmentInput {
  return {
    proposedSensorId: randomUUID(),
    facts: { name, hostname: `${name}.plant.example`, versions: { sensorLink: '1.0.0', core: '24.1.0', protocol: 1 } },
    certificate: certificate(),
    tokenId: 'token-1',
    zoneId,
  };
}

describe('fleet service', () => {
  let testConsole: TestConsole;
  let fleet: Fleet;
  let zoneId: string;
  let siteId: string;
  const seen: Array<{ name: keyof DomainEvents; payload: unknown }> = [];

  function eventsNamed<Name extends keyof DomainEvents>(name: Name): Array<DomainEvents[Name]> {
    return seen.filter((event) => event.name === name).map((event) => event.payload as DomainEvents[Name]);
  }

  before(async () => {
    testConsole = await startTestConsole();
    const connection = testConsole.garrison.database().connection;
    const events = testConsole.garrison.events;
    for (const name of ['sensor.enrolled', 'sensor.presence-changed', 'sensor.health-reported', 'sensor.revoked'] as const) {
      events.on(name, (payload) => void seen.push({ name, payload }));
    }
    fleet = new Fleet({
      sensors: sensorModel(connection),
      zones: zoneModel(connection),
      revokedCertificates: revokedCertificateModel(connection),
      events,
      logger: testConsole.garrison.logger,
    });
    siteId = randomUUID();
    zoneId = randomUUID();
    await siteModel(connection).create({ _id: siteId, name: 'Plant', nameKey: 'plant' });
    await zoneModel(connection).create({ _id: zoneId, siteId, name: 'Line 1', nameKey: 'line 1' });
  });
  after(() => testConsole?.destroy());

  it('enrols a new sensor into its pre-assigned zone, with the site copied from the zone', async () => {
    const input = enrollment('alpha', zoneId);
    const result = await fleet.recordEnrollment(input);
    assert.equal(result.reEnrolled, false);
    assert.equal(result.supersededSerial, null);
    assert.equal(result.sensor._id, input.proposedSensorId);
    assert.equal(result.sensor.state, 'never-connected');
    assert.deepEqual([result.sensor.zoneId, result.sensor.siteId], [zoneId, siteId]);
    assert.equal(eventsNamed('sensor.enrolled').at(-1)?.sensorId, input.proposedSensorId);
  });

  it('admits a link only with the current certificate of a sensor that is not revoked', async () => {
    const first = await fleet.recordEnrollment(enrollment('link-check', zoneId));
    const { _id: sensorId, certificate: firstCertificate } = first.sensor;
    assert.deepEqual(await fleet.checkLinkCertificate(sensorId, firstCertificate.serialNumber.toUpperCase()), {
      ok: true,
      sensor: { _id: sensorId, name: 'link-check', zoneId },
    });
    const second = await fleet.recordEnrollment(enrollment('link-check'));
    assert.deepEqual(await fleet.checkLinkCertificate(sensorId, firstCertificate.serialNumber), { ok: false, refusal: 'unknown' }, 'a superseded certificate is refused');
    assert.equal((await fleet.checkLinkCertificate(sensorId, second.sensor.certificate.serialNumber)).ok, true);
    assert.deepEqual(await fleet.checkLinkCertificate(randomUUID(), second.sensor.certificate.serialNumber), { ok: false, refusal: 'unknown' }, 'another sensor id with this serial');
    await fleet.revoke(sensorId, { byUser: 'admin', remove: false });
    assert.deepEqual(await fleet.checkLinkCertificate(sensorId, second.sensor.certificate.serialNumber), { ok: false, refusal: 'revoked' });
  });

  it('leaves a sensor Unassigned when its pre-assigned zone was deleted', async () => {
    const result = await fleet.recordEnrollment(enrollment('orphan', randomUUID()));
    assert.deepEqual([result.sensor.zoneId, result.sensor.siteId], [null, null]);
  });

  it('re-enrols the same name (any case) in place: same id and zone, new certificate, old serial revoked as superseded', async () => {
    const first = await fleet.recordEnrollment(enrollment('bravo', zoneId));
    const again = enrollment('BRAVO', null);
    const second = await fleet.recordEnrollment(again);
    assert.equal(second.reEnrolled, true);
    assert.equal(second.sensor._id, first.sensor._id);
    assert.equal(second.sensor.zoneId, zoneId, 'the zone is kept, not replaced by the new string');
    assert.equal(second.sensor.certificate.serialNumber, again.certificate.serialNumber);
    assert.equal(second.supersededSerial, first.sensor.certificate.serialNumber);
    assert.equal(await fleet.findByCertificateSerial(first.sensor.certificate.serialNumber), null);
    const found = await fleet.findByCertificateSerial(again.certificate.serialNumber.toUpperCase());
    assert.equal(found?._id, first.sensor._id, 'serials match whatever their case');
    const revoked = await revokedCertificateModel(testConsole.garrison.database().connection).findById(first.sensor.certificate.serialNumber).lean();
    assert.equal(revoked?.reason, 'superseded');
    assert.equal(await sensorModel(testConsole.garrison.database().connection).countDocuments({ nameKey: 'bravo' }), 1);
  });

  it('settles two enrolments of one name racing each other into one sensor', async () => {
    const results = await Promise.all([fleet.recordEnrollment(enrollment('charlie')), fleet.recordEnrollment(enrollment('Charlie'))]);
    assert.equal(results[0].sensor._id, results[1].sensor._id);
    assert.deepEqual(results.map((result) => result.reEnrolled).sort(), [false, true]);
    assert.equal(await sensorModel(testConsole.garrison.database().connection).countDocuments({ nameKey: 'charlie' }), 1);
  });

  it('publishes a presence change only when the state really changes, and ignores older reports', async () => {
    const { sensor } = await fleet.recordEnrollment(enrollment('delta'));
    const before = eventsNamed('sensor.presence-changed').length;
    const t0 = new Date();
    await fleet.updatePresence([
      { sensorId: sensor._id, state: 'connected', reason: 'link-established', at: t0 },
      { sensorId: sensor._id, state: 'connected', reason: 'link-established', at: new Date(t0.getTime() + 10) },
      { sensorId: sensor._id, state: 'unreachable', reason: 'ping-timeout', at: new Date(t0.getTime() + 20) },
      { sensorId: sensor._id, state: 'disconnected', reason: 'grace-period-elapsed', at: new Date(t0.getTime() - 60_000) },
      { sensorId: randomUUID(), state: 'connected', reason: 'link-established', at: t0 },
    ]);
    const changes = eventsNamed('sensor.presence-changed').slice(before);
    assert.deepEqual(
      changes.map((change) => [change.previous, change.current, change.reason]),
      [
        ['never-connected', 'connected', 'link-established'],
        ['connected', 'unreachable', 'ping-timeout'],
      ],
    );
    const stored = await fleet.findById(sensor._id);
    assert.equal(stored?.state, 'unreachable');
    assert.equal(stored?.lastSeenAt?.getTime(), t0.getTime());
  });

  it('publishes nothing for a flush whose write lost to a concurrent change of the same sensor', async () => {
    const { sensor } = await fleet.recordEnrollment(enrollment('delta-two'));
    const before = eventsNamed('sensor.presence-changed').length;
    const t0 = Date.now();
    // Both flushes read "never-connected" before either writes; only the first write matches that state.
    await Promise.all([
      fleet.updatePresence([{ sensorId: sensor._id, state: 'connected', reason: 'link-established', at: new Date(t0) }]),
      fleet.updatePresence([{ sensorId: sensor._id, state: 'unreachable', reason: 'closed-by-sensor', at: new Date(t0 + 5) }]),
    ]);
    const changes = eventsNamed('sensor.presence-changed').slice(before);
    const stored = await fleet.findById(sensor._id);
    assert.equal(changes.length, 1, `one flush won: ${JSON.stringify(changes)}`);
    assert.equal(changes[0]?.current, stored?.state, 'the published change is the stored one');
  });

  it('records links closed together (one update for all) and leaves a sensor that changed meanwhile as it is', async () => {
    const sensors = await Promise.all(['echo-1', 'echo-2', 'echo-3', 'echo-4'].map(async (name) => (await fleet.recordEnrollment(enrollment(name))).sensor));
    const t0 = Date.now();
    await fleet.updatePresence(sensors.map((sensor, index) => ({ sensorId: sensor._id, state: 'connected', reason: 'link-established', at: new Date(t0 + index) })));
    const before = eventsNamed('sensor.presence-changed').length;
    const shutdownAt = new Date(t0 + 100);
    const [, relinked] = sensors;
    // The shutdown flush and a newer change of echo-2 race: both read "connected" before either writes.
    await Promise.all([
      fleet.updatePresence(sensors.map((sensor) => ({ sensorId: sensor._id, state: 'unreachable', reason: 'console-shutdown', at: shutdownAt }))),
      fleet.updatePresence([{ sensorId: relinked!._id, state: 'unreachable', reason: 'ping-timeout', at: new Date(t0 + 200) }]),
    ]);
    const changes = eventsNamed('sensor.presence-changed').slice(before);
    for (const sensor of sensors) {
      const stored = await fleet.findById(sensor._id);
      const published = changes.filter((change) => change.sensorId === sensor._id);
      assert.equal(published.length, 1, `${sensor.name}: one change published, ${JSON.stringify(published)}`);
      assert.deepEqual([published[0]?.current, published[0]?.reason, published[0]?.at.getTime()], [stored?.state, stored?.stateReason, stored?.stateSince.getTime()], `${sensor.name}: the published change is the stored one`);
      if (sensor !== relinked) assert.deepEqual([stored?.state, stored?.stateReason, stored?.stateSince.getTime()], ['unreachable', 'console-shutdown', shutdownAt.getTime()]);
    }
  });

  it('writes the newest health report per sensor and publishes one report per sensor', async () => {
    const a = (await fleet.recordEnrollment(enrollment('echo'))).sensor;
    const b = (await fleet.recordEnrollment(enrollment('foxtrot'))).sensor;
    const before = eventsNamed('sensor.health-reported').length;
    const health = (clockSkewMs: number) => ({
      receivedAt: new Date(),
      sensorTime: new Date(),
      clockSkewMs,
      packetsPerSecond: 100,
      bytesPerSecond: 1000,
      diskUsedPercent: 40,
      uptimeSeconds: 60,
    });
    const t0 = Date.now();
    await fleet.recordHealth([
      { sensorId: a._id, health: health(5), lastSeenAt: new Date(t0) },
      { sensorId: a._id, health: health(7), lastSeenAt: new Date(t0 + 1000) },
      { sensorId: b._id, health: health(-3), lastSeenAt: new Date(t0) },
      { sensorId: randomUUID(), health: health(0), lastSeenAt: new Date(t0) },
    ]);
    const reports = eventsNamed('sensor.health-reported').slice(before);
    assert.deepEqual(reports.map((report) => [report.sensorName, report.clockSkewMs]).sort(), [['echo', 7], ['foxtrot', -3]]);
    assert.equal((await fleet.findById(a._id))?.health?.clockSkewMs, 7);
    assert.equal((await fleet.findById(a._id))?.lastSeenAt?.getTime(), t0 + 1000);
  });

  it('records a renewed certificate and refuses the one it replaced', async () => {
    const { sensor } = await fleet.recordEnrollment(enrollment('golf'));
    const renewed = certificate();
    await fleet.recordRenewedCertificate(sensor._id, renewed);
    assert.equal((await fleet.findByCertificateSerial(renewed.serialNumber))?._id, sensor._id);
    assert.equal(await fleet.findByCertificateSerial(sensor.certificate.serialNumber), null);
    const serials = (await fleet.revokedSerials()).map((entry) => entry.serialNumber);
    assert.ok(serials.includes(sensor.certificate.serialNumber));
  });

  it('revokes a sensor (kept, refused) and deletes one (gone, serial still revoked)', async () => {
    const kept = (await fleet.recordEnrollment(enrollment('hotel', zoneId))).sensor;
    const removed = (await fleet.recordEnrollment(enrollment('india'))).sensor;
    assert.deepEqual(await fleet.revoke(kept._id, { byUser: 'admin', remove: false }), { serialNumber: kept.certificate.serialNumber });
    assert.deepEqual(await fleet.revoke(removed._id, { byUser: null, remove: true }), { serialNumber: removed.certificate.serialNumber });
    const stored = await fleet.findById(kept._id);
    assert.equal(stored?.state, 'revoked');
    assert.ok(stored?.revokedAt instanceof Date);
    assert.equal(await fleet.findByCertificateSerial(kept.certificate.serialNumber), null);
    assert.equal(await fleet.findById(removed._id), null);
    const serials = (await fleet.revokedSerials()).map((entry) => entry.serialNumber);
    assert.ok(serials.includes(kept.certificate.serialNumber) && serials.includes(removed.certificate.serialNumber));
    const revocations = eventsNamed('sensor.revoked').map((event) => [event.sensorName, event.byUser, event.zoneId]);
    assert.deepEqual(revocations.slice(-2), [['hotel', 'admin', zoneId], ['india', null, null]]);
    await fleet.updatePresence([{ sensorId: kept._id, state: 'connected', reason: 'link-established', at: new Date() }]);
    assert.equal((await fleet.findById(kept._id))?.state, 'revoked', 'presence never revives a revoked sensor');
    assert.equal(await fleet.revoke(randomUUID(), { byUser: null, remove: false }), null);
  });
});
