/**
 * Sites, zones and sensor placement over the real HTTPS API: CRUD, unique names
 * regardless of case, the two "not empty" refusals (409 with counts), bad input
 * naming the field, unknown fields refused, permissions, audit records and the
 * placement events of single and bulk moves.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { SensorPlacementChanged } from '../../server/src/modules/fleet/fleet-events.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { seedSensors } from '../helpers/sensor-seed.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: Array<{ path: string; message: string }>; zoneCount?: number; sensorCount?: number } };
}
interface SiteBody {
  id: string;
  name: string;
  zoneCount: number;
  sensorCount: number;
}
interface ZoneBody {
  id: string;
  siteId: string;
  siteName: string;
  name: string;
  sensorCount: number;
}
interface SensorBody {
  id: string;
  zone: { id: string; name: string } | null;
  site: { id: string; name: string } | null;
}

function problemPaths(body: unknown): string[] {
  return ((body as ErrorBody).error.details?.problems ?? []).map((problem) => problem.path);
}

describe('sites, zones and placement API', () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  let analyst: SignedIn;
  const placementEvents: SensorPlacementChanged[] = [];

  before(async () => {
    testConsole = await startTestConsole();
    admin = await signInAsAdmin(testConsole);
    analyst = await signInAs(testConsole, 'security-analyst');
    testConsole.garrison.events.on('sensor.placement-changed', (event) => void placementEvents.push(event));
  });
  after(() => testConsole?.destroy());

  const as = (who: SignedIn) => ({ headers: who.headers });

  it('creates, lists, renames and deletes a site; names are unique regardless of case', async () => {
    const created = await api<SiteBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'North Plant', description: 'Rotterdam' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.name, 'North Plant');
    const duplicate = await api<ErrorBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'north plant' } });
    assert.equal(duplicate.status, 409);
    assert.match(duplicate.body.error.message, /already exists/);
    const other = await api<SiteBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'South Plant' } });
    const clash = await api<ErrorBody>(testConsole, 'PATCH', `/sites/${other.body.id}`, { ...as(admin), body: { name: 'NORTH PLANT' } });
    assert.equal(clash.status, 409);
    const renamed = await api<SiteBody>(testConsole, 'PATCH', `/sites/${other.body.id}`, { ...as(admin), body: { name: 'South Works' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'South Works');
    const list = await api<{ items: SiteBody[] }>(testConsole, 'GET', '/sites', as(analyst));
    assert.deepEqual(list.body.items.map((site) => site.name), ['North Plant', 'South Works']);
    assert.equal((await api(testConsole, 'DELETE', `/sites/${other.body.id}`, as(admin))).status, 204);
    assert.equal((await api(testConsole, 'GET', `/sites/${other.body.id}`, as(admin))).status, 404);
    const audit = await api<{ records: Array<{ action: string }> }>(testConsole, 'GET', '/audit?action=site.*', as(admin));
    assert.deepEqual(audit.body.records.map((record) => record.action).sort(), ['site.created', 'site.created', 'site.deleted', 'site.updated']);
  });

  it('refuses bad input with 400 naming each field, and unknown fields', async () => {
    const empty = await api<ErrorBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: '   ' } });
    assert.equal(empty.status, 400);
    assert.deepEqual(problemPaths(empty.body), ['name']);
    const unknown = await api<ErrorBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'X', colour: 'red' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /colour/);
    const badZone = await api<ErrorBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: 'not-a-uuid', name: '' } });
    assert.deepEqual(problemPaths(badZone.body).sort(), ['name', 'siteId']);
    const badId = await api<ErrorBody>(testConsole, 'GET', '/zones/123', as(admin));
    assert.equal(badId.status, 400);
    assert.deepEqual(problemPaths(badId.body), ['zoneId']);
    const moveSite = await api<ErrorBody>(testConsole, 'PATCH', `/zones/${randomUUID()}`, { ...as(admin), body: { siteId: randomUUID() } });
    assert.equal(moveSite.status, 400, 'a zone never changes site');
    const noZone = await api<ErrorBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: randomUUID(), name: 'Z' } });
    assert.equal(noZone.status, 404);
  });

  it('keeps zone names unique within a site only, and refuses to delete a site with zones (409 with the count)', async () => {
    const site = (await api<SiteBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'Refinery' } })).body;
    const other = (await api<SiteBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'Harbour' } })).body;
    const line = await api<ZoneBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: site.id, name: 'Line 1' } });
    assert.equal(line.status, 201);
    assert.equal(line.body.siteName, 'Refinery');
    const again = await api<ErrorBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: site.id, name: 'LINE 1' } });
    assert.equal(again.status, 409);
    const elsewhere = await api<ZoneBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: other.id, name: 'Line 1' } });
    assert.equal(elsewhere.status, 201);
    await api(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: site.id, name: 'Line 2' } });
    const refused = await api<ErrorBody>(testConsole, 'DELETE', `/sites/${site.id}`, as(admin));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details?.zoneCount, 2);
    assert.match(refused.body.error.message, /2 zones/);
    const zones = await api<{ items: ZoneBody[] }>(testConsole, 'GET', `/zones?siteId=${site.id}`, as(analyst));
    assert.deepEqual(zones.body.items.map((zone) => zone.name), ['Line 1', 'Line 2']);
  });

  it('moves sensors between zones, keeps the site in step, and refuses to delete a zone that holds sensors', async () => {
    const connection = testConsole.garrison.database().connection;
    const [first, second, third] = await seedSensors(connection, 3, (index) => ({ name: `placed-${index}` }));
    assert.ok(first && second && third);
    const site = (await api<SiteBody>(testConsole, 'POST', '/sites', { ...as(admin), body: { name: 'Mine' } })).body;
    const zone = (await api<ZoneBody>(testConsole, 'POST', '/zones', { ...as(admin), body: { siteId: site.id, name: 'Shaft A' } })).body;

    const moved = await api<SensorBody>(testConsole, 'PUT', `/sensors/${first._id}/zone`, { ...as(analyst), body: { zoneId: zone.id } });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual([moved.body.zone?.name, moved.body.site?.name], ['Shaft A', 'Mine']);
    assert.equal(placementEvents.at(-1)?.sensorId, first._id);
    assert.equal(placementEvents.at(-1)?.siteId, site.id);

    const bulk = await api<{ moved: number; unchanged: number }>(testConsole, 'POST', '/sensors/assign', {
      ...as(admin),
      body: { sensorIds: [first._id, second._id, third._id], zoneId: zone.id },
    });
    assert.deepEqual(bulk.body, { moved: 2, unchanged: 1 });
    const refused = await api<ErrorBody>(testConsole, 'DELETE', `/zones/${zone.id}`, as(admin));
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details?.sensorCount, 3);
    assert.match(refused.body.error.message, /3 sensors; move them/);

    const unknownSensor = await api<ErrorBody>(testConsole, 'POST', '/sensors/assign', { ...as(admin), body: { sensorIds: [randomUUID()], zoneId: null } });
    assert.equal(unknownSensor.status, 404);
    const twice = await api<ErrorBody>(testConsole, 'POST', '/sensors/assign', { ...as(admin), body: { sensorIds: [first._id, first._id], zoneId: null } });
    assert.deepEqual(problemPaths(twice.body), ['sensorIds']);
    const missingZone = await api<ErrorBody>(testConsole, 'PUT', `/sensors/${first._id}/zone`, { ...as(admin), body: {} });
    assert.deepEqual(problemPaths(missingZone.body), ['zoneId']);

    const back = await api(testConsole, 'POST', '/sensors/assign', { ...as(admin), body: { sensorIds: [first._id, second._id, third._id], zoneId: null } });
    assert.equal(back.status, 200);
    const unassigned = await api<SensorBody>(testConsole, 'GET', `/sensors/${second._id}`, as(admin));
    assert.deepEqual([unassigned.body.zone, unassigned.body.site], [null, null]);
    assert.equal((await api(testConsole, 'DELETE', `/zones/${zone.id}`, as(admin))).status, 204);
    const audit = await api<{ records: Array<{ action: string }> }>(testConsole, 'GET', '/audit?action=sensor.moved', as(admin));
    assert.ok(audit.body.records.length >= 3);
  });

  it('lets only roles with sites:manage change sites and zones', async () => {
    const readOnly = await signInAs(testConsole, 'read-only');
    assert.equal((await api(testConsole, 'GET', '/sites', as(readOnly))).status, 200);
    assert.equal((await api(testConsole, 'POST', '/sites', { ...as(analyst), body: { name: 'Nope' } })).status, 403);
    assert.equal((await api(testConsole, 'POST', '/zones', { ...as(readOnly), body: { siteId: randomUUID(), name: 'Nope' } })).status, 403);
    assert.equal((await api(testConsole, 'GET', '/sites', {})).status, 401);
  });
});
