/**
 * The sensors API over real HTTPS on 200 seeded sensors: filters, sorting and
 * paging, literal text search, detail in words, rename, revoke and delete with
 * their permissions, bad and unknown input, and the public OpenAPI document.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SENSOR_STATES, type SensorState } from '../../server/src/modules/fleet/sensor-model.js';
import { siteModel } from '../../server/src/modules/fleet/sites/site-model.js';
import { zoneModel } from '../../server/src/modules/fleet/zones/zone-model.js';
import { revokedCertificateModel } from '../../server/src/modules/fleet/revoked-certificate-model.js';
import { request } from '../helpers/https-client.js';
import { seedSensors, type SeedSensor } from '../helpers/sensor-seed.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';

interface Item {
  id: string;
  name: string;
  state: SensorState;
  lastSeenAt: string | null;
  version: string;
  zone: { id: string; name: string } | null;
}
interface Page {
  items: Item[];
  total: number;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: Array<{ path: string }> } };
}

const STATES = SENSOR_STATES.filter((state) => state !== 'revoked');
const VERSIONS = ['23.2.1', '24.1.0', '24.2.0'];

describe('sensors API', () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  let analyst: SignedIn;
  let readOnly: SignedIn;
  let sensors: SeedSensor[];
  const siteId = randomUUID();
  const zoneIds = [randomUUID(), randomUUID()];

  const list = (query: string, who: SignedIn = readOnly) => api<Page>(testConsole, 'GET', `/sensors?${query}`, { headers: who.headers });

  before(async () => {
    testConsole = await startTestConsole();
    const connection = testConsole.garrison.database().connection;
    await siteModel(connection).create({ _id: siteId, name: 'Plant', nameKey: 'plant' });
    await zoneModel(connection).insertMany(zoneIds.map((_id, index) => ({ _id, siteId, name: `Zone ${index}`, nameKey: `zone ${index}` })));
    // 200 sensors: states, versions and zones cycle; every third one is Unassigned.
    sensors = await seedSensors(connection, 200, (index) => ({
      state: STATES[index % STATES.length],
      versions: { sensorLink: '1.0.0', core: VERSIONS[index % 3] ?? '24.1.0', protocol: 1 },
      ...(index % 3 === 0 ? {} : { zoneId: zoneIds[index % 2] ?? null, siteId }),
      ...(index === 7 ? { hostname: 'odd(host)[1].plant.example' } : {}),
      ...(index === 10 ? { state: 'connected' as const, health: { receivedAt: new Date(), sensorTime: new Date(), clockSkewMs: 1250, packetsPerSecond: 10, bytesPerSecond: 100, diskUsedPercent: 12, uptimeSeconds: 5 } } : {}),
    }));
    admin = await signInAsAdmin(testConsole);
    analyst = await signInAs(testConsole, 'security-analyst');
    readOnly = await signInAs(testConsole, 'read-only');
  });
  after(() => testConsole?.destroy());

  it('lists the first page sorted by name with the total', async () => {
    const page = await list('');
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.total, 200);
    assert.equal(page.body.items.length, 100);
    assert.equal(page.body.items[0]?.name, 'sensor-0000');
    assert.equal(page.body.items[99]?.name, 'sensor-0099');
    assert.deepEqual(Object.keys(page.body.items[0] ?? {}).includes('certificate'), false, 'the list carries no certificate detail');
  });

  it('filters by state, site, zone, unassigned and version', async () => {
    const count = (predicate: (sensor: SeedSensor) => boolean) => sensors.filter(predicate).length;
    const disconnected = await list('state=disconnected&limit=500');
    assert.equal(disconnected.body.total, count((sensor) => sensor.state === 'disconnected'));
    assert.ok(disconnected.body.items.every((item) => item.state === 'disconnected'));
    const two = await list('state=connected,unreachable');
    assert.equal(two.body.total, count((sensor) => sensor.state === 'connected' || sensor.state === 'unreachable'));
    assert.equal((await list(`siteId=${siteId}`)).body.total, count((sensor) => sensor.siteId === siteId));
    const zone = await list(`zoneId=${zoneIds[1]}&limit=500`);
    assert.equal(zone.body.total, count((sensor) => sensor.zoneId === zoneIds[1]));
    assert.ok(zone.body.items.every((item) => item.zone?.name === 'Zone 1'));
    assert.equal((await list('unassigned=true')).body.total, count((sensor) => sensor.zoneId === null));
    assert.equal((await list('version=24.2.0')).body.total, count((sensor) => sensor.versions.core === '24.2.0'));
    assert.equal((await list(`version=24.2.0&zoneId=${zoneIds[0]}`)).body.total, count((sensor) => sensor.versions.core === '24.2.0' && sensor.zoneId === zoneIds[0]));
  });

  it('searches names and host names literally, in any case', async () => {
    assert.deepEqual((await list('q=SENSOR-001')).body.items.map((item) => item.name).slice(0, 2), ['sensor-0010', 'sensor-0011']);
    assert.equal((await list('q=SENSOR-001')).body.total, 10);
    const odd = await list(`q=${encodeURIComponent('(host)[')}`);
    assert.equal(odd.status, 200);
    assert.deepEqual(odd.body.items.map((item) => item.name), ['sensor-0007']);
    assert.equal((await list(`q=${encodeURIComponent('.*')}`)).body.total, 0, 'a pattern is matched as text');
  });

  it('sorts by state, last seen and version, and pages without gaps or repeats', async () => {
    const seen = new Set<string>();
    for (let offset = 0; offset < 200; offset += 50) {
      const page = await list(`sort=state&limit=50&offset=${offset}`);
      page.body.items.forEach((item) => seen.add(item.id));
    }
    assert.equal(seen.size, 200);
    const byState = (await list('sort=state&order=desc&limit=500')).body.items.map((item) => item.state);
    assert.deepEqual(byState, [...byState].sort().reverse());
    const byLastSeen = (await list('sort=lastSeenAt&order=desc&limit=5')).body.items.map((item) => item.name);
    assert.deepEqual(byLastSeen, ['sensor-0000', 'sensor-0001', 'sensor-0002', 'sensor-0003', 'sensor-0004']);
    const byVersion = (await list('sort=version&limit=500')).body.items.map((item) => item.version);
    assert.deepEqual(byVersion, [...byVersion].sort());
  });

  it('refuses bad and unknown query parameters with 400 naming them', async () => {
    const cases: Array<[string, string]> = [
      ['limit=501', 'limit'],
      ['state=asleep', 'state.0'],
      ['sort=colour', 'sort'],
      [`zoneId=${zoneIds[0]}&unassigned=true`, 'unassigned'],
      ['siteId=42', 'siteId'],
      ['offset=-1', 'offset'],
    ];
    for (const [query, field] of cases) {
      const response = await api<ErrorBody>(testConsole, 'GET', `/sensors?${query}`, { headers: readOnly.headers });
      assert.equal(response.status, 400, query);
      assert.deepEqual(response.body.error.details?.problems?.map((problem) => problem.path), [field], query);
    }
    const unknown = await api<ErrorBody>(testConsole, 'GET', '/sensors?colour=red', { headers: readOnly.headers });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /colour/);
  });

  it('shows one sensor in detail: reason in words, placement, clock drift, certificate days left', async () => {
    const sensor = sensors[10];
    assert.ok(sensor);
    const detail = await api<Record<string, unknown>>(testConsole, 'GET', `/sensors/${sensor._id}`, { headers: readOnly.headers });
    assert.equal(detail.status, 200);
    assert.equal(detail.body.reasonText, 'Connected over the sensor link.');
    assert.equal(detail.body.clockDriftMs, 1250);
    assert.deepEqual(detail.body.site, { id: siteId, name: 'Plant' });
    assert.equal((detail.body.certificate as { daysLeft: number }).daysLeft, 89);
    assert.equal((detail.body.health as { diskUsedPercent: number }).diskUsedPercent, 12);
    assert.equal((await api(testConsole, 'GET', `/sensors/${randomUUID()}`, { headers: readOnly.headers })).status, 404);
  });

  it('renames with unique names (any case); Read Only may not', async () => {
    const [target, other] = sensors;
    assert.ok(target && other);
    const path = `/sensors/${target._id}`;
    assert.equal((await api(testConsole, 'PATCH', path, { headers: readOnly.headers, body: { name: 'boiler-1' } })).status, 403);
    const renamed = await api<Item>(testConsole, 'PATCH', path, { headers: analyst.headers, body: { name: 'boiler-1' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'boiler-1');
    const taken = await api<ErrorBody>(testConsole, 'PATCH', path, { headers: analyst.headers, body: { name: other.name.toUpperCase() } });
    assert.equal(taken.status, 409);
    const bad = await api<ErrorBody>(testConsole, 'PATCH', path, { headers: analyst.headers, body: { name: '../etc' } });
    assert.deepEqual(bad.body.error.details?.problems?.map((problem) => problem.path), ['name']);
    const extra = await api<ErrorBody>(testConsole, 'PATCH', path, { headers: analyst.headers, body: { name: 'ok', zoneId: null } });
    assert.equal(extra.status, 400);
  });

  it('revokes and deletes (admin only); the certificates stay revoked', async () => {
    const [, , revokedOne, deletedOne] = sensors;
    assert.ok(revokedOne && deletedOne);
    assert.equal((await api(testConsole, 'POST', `/sensors/${revokedOne._id}/revoke`, { headers: analyst.headers })).status, 403);
    const revoked = await api<Item>(testConsole, 'POST', `/sensors/${revokedOne._id}/revoke`, { headers: admin.headers });
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.state, 'revoked');
    assert.equal((await api(testConsole, 'DELETE', `/sensors/${deletedOne._id}`, { headers: admin.headers })).status, 204);
    assert.equal((await api(testConsole, 'GET', `/sensors/${deletedOne._id}`, { headers: admin.headers })).status, 404);
    assert.equal((await api(testConsole, 'DELETE', `/sensors/${deletedOne._id}`, { headers: admin.headers })).status, 404);
    const stored = await revokedCertificateModel(testConsole.garrison.database().connection)
      .find({ _id: { $in: [revokedOne.certificate.serialNumber, deletedOne.certificate.serialNumber] } })
      .lean();
    assert.equal(stored.length, 2);
    const audit = await api<{ records: Array<{ action: string }> }>(testConsole, 'GET', '/audit?action=sensor.*', { headers: admin.headers });
    const actions = audit.body.records.map((record) => record.action);
    assert.ok(actions.includes('sensor.revoked') && actions.includes('sensor.deleted') && actions.includes('sensor.renamed'));
  });

  it('publishes an OpenAPI document without signing in, with the fleet and health routes and their permissions', async () => {
    const response = await request<string>(`${testConsole.baseUrl}/api/v1/openapi.json`, { ca: testConsole.caPem });
    assert.equal(response.status, 200);
    const document = JSON.parse(response.text) as { openapi: string; paths: Record<string, Record<string, { 'x-permission': string; parameters: Array<{ name: string }> }>> };
    assert.equal(document.openapi, '3.1.0');
    assert.equal(document.paths['/api/v1/health']?.get?.['x-permission'], 'public');
    assert.equal(document.paths['/api/v1/sensors']?.get?.['x-permission'], 'sensors:read');
    assert.ok(document.paths['/api/v1/sensors']?.get?.parameters.some((parameter) => parameter.name === 'unassigned'));
    assert.equal(document.paths['/api/v1/sensors/{sensorId}/zone']?.put?.['x-permission'], 'sensors:manage');
    assert.equal(document.paths['/api/v1/sensors/{sensorId}']?.delete?.['x-permission'], 'sensors:revoke');
    assert.equal(document.paths['/api/v1/sites/{siteId}']?.delete?.['x-permission'], 'sites:manage');
    assert.equal(document.paths['/api/v1/zones']?.post?.['x-permission'], 'sites:manage');
  });
});
