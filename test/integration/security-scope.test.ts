/**
 * Site/zone scope (the old console's access groups) over real HTTPS: a Security
 * Analyst restricted to one site, and one restricted to one zone of another site,
 * see only the sensors, sites, zones, settings, drift rows and system events of
 * their scope, and every read or change outside it is a 403 naming the scope.
 * Console-wide things (forwarding rules, deliveries, the mail server, the audit
 * trail) are refused to every scoped user, naming why.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { EVENTS_COLLECTION, type NotificationEvent } from '../../server/src/modules/notifications/events/event-store.js';
import { seedSensors, type SeedSensor } from '../helpers/sensor-seed.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';

interface ErrorBody {
  error: { code: string; message: string; details?: { scope?: { siteIds: string[]; zoneIds: string[] } } };
}

describe('site/zone scope of users', () => {
  let testConsole: TestConsole;
  let admin: SignedIn;
  /** Security Analyst scoped to site A (zones A1 and A2). */
  let siteAnalyst: SignedIn;
  /** Security Analyst scoped to zone B1 only (site B also holds B2). */
  let zoneAnalyst: SignedIn;
  const ids = { siteA: '', siteB: '', zoneA1: '', zoneA2: '', zoneB1: '', zoneB2: '' };
  let sensors: SeedSensor[];
  /** Sensor index → where it sits: 0 A1, 1 A2, 2 B1, 3 B2, 4 Unassigned. */
  const sensorIn = (index: number) => sensors[index]!;

  const get = <Body = unknown>(who: SignedIn, path: string) => api<Body>(testConsole, 'GET', path, { headers: who.headers });
  const send = <Body = unknown>(who: SignedIn, method: string, path: string, body?: unknown) =>
    api<Body>(testConsole, method, path, { headers: who.headers, ...(body === undefined ? {} : { body }) });

  async function scopedAnalyst(scope: { siteIds: string[]; zoneIds: string[] }): Promise<SignedIn> {
    const analyst = await signInAs(testConsole, 'security-analyst');
    const patched = await send(admin, 'PATCH', `/users/${analyst.userId}`, { scope });
    assert.equal(patched.status, 200, patched.text);
    return analyst;
  }

  function assertOutOfScope(response: { status: number; body: unknown; text: string }, scopeId: string): void {
    assert.equal(response.status, 403, response.text);
    const body = response.body as ErrorBody;
    assert.equal(body.error.code, 'forbidden');
    assert.match(body.error.message, /outside your access scope/);
    assert.ok(body.error.message.includes(scopeId), `the message names the scope: ${body.error.message}`);
  }

  before(async () => {
    testConsole = await startTestConsole();
    admin = await signInAsAdmin(testConsole);
    for (const site of ['A', 'B'] as const) {
      const created = await send<{ id: string }>(admin, 'POST', '/sites', { name: `Site ${site}` });
      assert.equal(created.status, 201, created.text);
      ids[`site${site}`] = created.body.id;
      for (const zone of ['1', '2'] as const) {
        const zoneCreated = await send<{ id: string }>(admin, 'POST', '/zones', { siteId: created.body.id, name: `Zone ${site}${zone}` });
        assert.equal(zoneCreated.status, 201, zoneCreated.text);
        ids[`zone${site}${zone}`] = zoneCreated.body.id;
      }
    }
    const placements = [
      { siteId: ids.siteA, zoneId: ids.zoneA1 },
      { siteId: ids.siteA, zoneId: ids.zoneA2 },
      { siteId: ids.siteB, zoneId: ids.zoneB1 },
      { siteId: ids.siteB, zoneId: ids.zoneB2 },
      { siteId: null, zoneId: null },
    ];
    const connection = testConsole.garrison.database().connection;
    sensors = await seedSensors(connection, placements.length, (index) => placements[index]!);
    const eventOf = (index: number): NotificationEvent => ({
      _id: randomUUID(),
      type: 'sensor.disconnected',
      severity: 'major',
      title: `Sensor "${sensorIn(index).name}" disconnected`,
      occurredAt: new Date(Date.now() - index * 1000),
      sensorId: sensorIn(index)._id,
      sensorName: sensorIn(index).name,
      siteId: sensorIn(index).siteId,
      zoneId: sensorIn(index).zoneId,
      fields: {},
      suppressed: null,
    });
    await testConsole.garrison.database().db.collection<NotificationEvent>(EVENTS_COLLECTION).insertMany([0, 1, 2, 3, 4].map(eventOf));

    siteAnalyst = await scopedAnalyst({ siteIds: [ids.siteA], zoneIds: [] });
    zoneAnalyst = await scopedAnalyst({ siteIds: [], zoneIds: [ids.zoneB1] });
  });

  after(async () => {
    await testConsole?.destroy();
  });

  it('lists only the sensors of the scope (the total too)', async () => {
    const ofSite = await get<{ items: Array<{ id: string }>; total: number }>(siteAnalyst, '/sensors');
    assert.equal(ofSite.status, 200);
    assert.deepEqual(ofSite.body.items.map((item) => item.id).sort(), [sensorIn(0)._id, sensorIn(1)._id].sort());
    assert.equal(ofSite.body.total, 2);
    const ofZone = await get<{ items: Array<{ id: string }>; total: number }>(zoneAnalyst, '/sensors');
    assert.deepEqual(ofZone.body.items.map((item) => item.id), [sensorIn(2)._id]);
    // A filter cannot widen the scope.
    const filtered = await get<{ total: number }>(zoneAnalyst, `/sensors?siteId=${ids.siteA}`);
    assert.equal(filtered.body.total, 0);
    const everything = await get<{ total: number }>(admin, '/sensors');
    assert.equal(everything.body.total, 5);
  });

  it('refuses a sensor outside the scope, for reading and for every change', async () => {
    assert.equal((await get(siteAnalyst, `/sensors/${sensorIn(0)._id}`)).status, 200);
    for (const outside of [2, 4]) {
      const id = sensorIn(outside)._id;
      assertOutOfScope(await get(siteAnalyst, `/sensors/${id}`), ids.siteA);
      assertOutOfScope(await send(siteAnalyst, 'PATCH', `/sensors/${id}`, { name: `renamed-${outside}` }), ids.siteA);
      assertOutOfScope(await send(siteAnalyst, 'PUT', `/sensors/${id}/zone`, { zoneId: ids.zoneA1 }), ids.siteA);
    }
    assertOutOfScope(await get(zoneAnalyst, `/sensors/${sensorIn(3)._id}`), ids.zoneB1);
    const renamed = await send<{ name: string }>(siteAnalyst, 'PATCH', `/sensors/${sensorIn(1)._id}`, { name: 'line-2-renamed' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'line-2-renamed');
  });

  it('moves sensors only between zones of the scope, never to Unassigned', async () => {
    const within = await send(siteAnalyst, 'PUT', `/sensors/${sensorIn(0)._id}/zone`, { zoneId: ids.zoneA2 });
    assert.equal(within.status, 200, within.text);
    assertOutOfScope(await send(siteAnalyst, 'PUT', `/sensors/${sensorIn(0)._id}/zone`, { zoneId: ids.zoneB1 }), ids.siteA);
    assertOutOfScope(await send(siteAnalyst, 'PUT', `/sensors/${sensorIn(0)._id}/zone`, { zoneId: null }), ids.siteA);
    assertOutOfScope(await send(siteAnalyst, 'POST', '/sensors/assign', { sensorIds: [sensorIn(0)._id, sensorIn(2)._id], zoneId: ids.zoneA1 }), ids.siteA);
    const back = await send<{ moved: number }>(siteAnalyst, 'POST', '/sensors/assign', { sensorIds: [sensorIn(0)._id], zoneId: ids.zoneA1 });
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.moved, 1);
    const stillThere = await get<{ zone: { id: string } }>(admin, `/sensors/${sensorIn(2)._id}`);
    assert.equal(stillThere.body.zone.id, ids.zoneB1, 'the refused bulk move moved nothing');
  });

  it('shows only the sites and zones of the scope', async () => {
    const sites = await get<{ items: Array<{ id: string }> }>(siteAnalyst, '/sites');
    assert.deepEqual(sites.body.items.map((site) => site.id), [ids.siteA]);
    const zones = await get<{ items: Array<{ id: string }> }>(siteAnalyst, '/zones');
    assert.deepEqual(zones.body.items.map((zone) => zone.id).sort(), [ids.zoneA1, ids.zoneA2].sort());
    assertOutOfScope(await get(siteAnalyst, `/sites/${ids.siteB}`), ids.siteA);
    assertOutOfScope(await get(siteAnalyst, `/zones/${ids.zoneB1}`), ids.siteA);

    // A zone-scoped user sees its zone and the site that holds it, but no sibling zone.
    const zoneSites = await get<{ items: Array<{ id: string }> }>(zoneAnalyst, '/sites');
    assert.deepEqual(zoneSites.body.items.map((site) => site.id), [ids.siteB]);
    assert.equal((await get(zoneAnalyst, `/sites/${ids.siteB}`)).status, 200);
    const zoneZones = await get<{ items: Array<{ id: string }> }>(zoneAnalyst, `/zones?siteId=${ids.siteB}`);
    assert.deepEqual(zoneZones.body.items.map((zone) => zone.id), [ids.zoneB1]);
    assertOutOfScope(await get(zoneAnalyst, `/zones/${ids.zoneB2}`), ids.zoneB1);
  });

  it('reads settings only of the scope and refuses the rest', async () => {
    assert.equal((await get(siteAnalyst, `/settings/sites/${ids.siteA}`)).status, 200);
    assert.equal((await get(siteAnalyst, `/settings/zones/${ids.zoneA2}`)).status, 200);
    assert.equal((await get(siteAnalyst, `/settings/sensors/${sensorIn(1)._id}/effective`)).status, 200);
    assert.equal((await get(siteAnalyst, '/settings/global')).status, 200, 'the inherited global settings stay readable');
    assertOutOfScope(await get(siteAnalyst, `/settings/sites/${ids.siteB}`), ids.siteA);
    assertOutOfScope(await get(siteAnalyst, `/settings/zones/${ids.zoneB1}`), ids.siteA);
    assertOutOfScope(await get(siteAnalyst, `/settings/sensors/${sensorIn(2)._id}`), ids.siteA);
    assertOutOfScope(await get(siteAnalyst, `/settings/sensors/${sensorIn(4)._id}/effective`), ids.siteA);
    assertOutOfScope(await get(zoneAnalyst, `/settings/sites/${ids.siteB}`), ids.zoneB1);

    const drift = await get<{ items: Array<{ sensorId: string }> }>(siteAnalyst, '/settings/drift');
    assert.equal(drift.status, 200, drift.text);
    const inScope = new Set([sensorIn(0)._id, sensorIn(1)._id]);
    assert.ok(drift.body.items.every((row) => inScope.has(row.sensorId)), JSON.stringify(drift.body.items));
    const allDrift = await get<{ items: unknown[] }>(admin, '/settings/drift');
    assert.ok(allDrift.body.items.length > drift.body.items.length, 'the admin sees more drift rows than the scoped analyst');
  });

  it('lists only the system events of the scope', async () => {
    type Events = { events: Array<{ id: string; sensor: { id: string } | null }> };
    const sensorIds = (response: { body: Events }) => response.body.events.map((event) => event.sensor?.id).sort();
    const events = await get<Events>(siteAnalyst, '/notifications/events');
    assert.equal(events.status, 200, events.text);
    assert.deepEqual(sensorIds(events), [sensorIn(0)._id, sensorIn(1)._id].sort());
    assert.deepEqual(sensorIds(await get<Events>(zoneAnalyst, '/notifications/events')), [sensorIn(2)._id]);
    const all = await get<Events>(admin, '/notifications/events');
    assert.equal(all.body.events.length, 5);
    const outside = all.body.events.find((event) => event.sensor?.id === sensorIn(3)._id)!;
    assertOutOfScope(await get(zoneAnalyst, `/notifications/events/${outside.id}`), ids.zoneB1);
  });

  it('fills a page of events from the scope (filtered in the query, not after the limit)', async () => {
    type Events = { events: Array<{ sensor: { id: string } | null }> };
    // Zone B1's only event is the third newest: filtering after `limit=1` would leave the page empty.
    const first = await get<Events>(zoneAnalyst, '/notifications/events?limit=1');
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.events.map((event) => event.sensor?.id), [sensorIn(2)._id]);
    const siteA = await get<Events>(siteAnalyst, '/notifications/events?limit=2');
    assert.deepEqual(siteA.body.events.map((event) => event.sensor?.id), [sensorIn(0)._id, sensorIn(1)._id]);
    // A filter narrows within the scope and never widens it.
    const other = await get<Events>(zoneAnalyst, `/notifications/events?siteId=${ids.siteA}`);
    assert.deepEqual(other.body.events, []);
  });

  it('refuses forwarding rules, deliveries and the mail server to a scoped user', async () => {
    const webhookRule = { name: 'scope webhook', conditions: { eventTypes: ['all'] }, actions: [{ type: 'webhook', config: { url: 'https://127.0.0.1:9/hook', secret: 'scope-test-secret' } }] };
    const created = await send<{ id: string }>(admin, 'POST', '/notifications/rules', webhookRule);
    assert.equal(created.status, 201, created.text);
    const ruleId = created.body.id;
    for (const [who, scopeId] of [[siteAnalyst, ids.siteA], [zoneAnalyst, ids.zoneB1]] as const) {
      for (const path of ['/notifications/rules', `/notifications/rules/${ruleId}`, '/notifications/deliveries', '/notifications/smtp']) {
        const response = await get(who, path);
        assertOutOfScope(response, scopeId);
        assert.match((response.body as ErrorBody).error.message, /whole console.*without a site\/zone scope/, path);
      }
      assertOutOfScope(await send(who, 'POST', '/notifications/rules', { ...webhookRule, name: 'scoped attempt' }), scopeId);
      assertOutOfScope(await send(who, 'PUT', `/notifications/rules/${ruleId}`, { ...webhookRule, name: 'renamed by scope' }), scopeId);
      assertOutOfScope(await send(who, 'POST', `/notifications/rules/${ruleId}/test`), scopeId);
      assertOutOfScope(await send(who, 'DELETE', `/notifications/rules/${ruleId}`), scopeId);
      assertOutOfScope(await send(who, 'POST', '/notifications/smtp/test', { to: 'soc@example.org' }), scopeId);
      // What a form needs stays readable: it holds no site's data.
      assert.equal((await get(who, '/notifications/catalogue')).status, 200);
    }
    const rules = await get<{ rules: Array<{ id: string; name: string }> }>(admin, '/notifications/rules');
    assert.equal(rules.status, 200, rules.text);
    assert.deepEqual(rules.body.rules.map((rule) => rule.name), ['scope webhook'], 'the refused calls created, renamed and deleted nothing');
    const unscoped = await signInAs(testConsole, 'security-analyst');
    assert.equal((await get(unscoped, `/notifications/rules/${ruleId}`)).status, 200, 'an unscoped analyst reads the rule');
  });

  it('refuses the audit trail (list, export, verify) to a scoped user', async () => {
    for (const path of ['/audit', '/audit/export', '/audit/verify']) {
      const response = await get(siteAnalyst, path);
      assertOutOfScope(response, ids.siteA);
      assert.match((response.body as ErrorBody).error.message, /^Audit records span the whole console/, path);
    }
    const before = await get<{ records: Array<{ action: string }> }>(admin, '/audit?action=audit.exported');
    assert.deepEqual(before.body.records, [], 'the refused export was not taken (nor recorded as taken)');
    const unscoped = await signInAs(testConsole, 'security-analyst');
    const exported = await get(unscoped, '/audit/export');
    assert.equal(exported.status, 200);
    assert.match(String(exported.headers['content-type']), /application\/x-ndjson/);
    assert.equal(exported.body, exported.text, 'an NDJSON answer comes back as its text');
    assert.ok(exported.text.split('\n').filter((line) => line.length > 0).every((line) => typeof JSON.parse(line) === 'object'), 'one JSON record a line');
  });

  it('an admin with a scope cannot create a site or change one outside it', async () => {
    const scopedAdmin = await signInAs(testConsole, 'admin');
    assert.equal((await send(admin, 'PATCH', `/users/${scopedAdmin.userId}`, { scope: { siteIds: [ids.siteA], zoneIds: [] } })).status, 200);
    assertOutOfScope(await send(scopedAdmin, 'POST', '/sites', { name: 'Site C' }), ids.siteA);
    assertOutOfScope(await send(scopedAdmin, 'PATCH', `/sites/${ids.siteB}`, { description: 'not mine' }), ids.siteA);
    assertOutOfScope(await send(scopedAdmin, 'POST', '/zones', { siteId: ids.siteB, name: 'Zone B3' }), ids.siteA);
    assertOutOfScope(await send(scopedAdmin, 'PUT', '/settings/global', { baseRevision: 0, settings: {} }), ids.siteA);
    assertOutOfScope(await send(scopedAdmin, 'PUT', `/settings/zones/${ids.zoneB1}`, { baseRevision: 0, settings: {} }), ids.siteA);
    const inside = await send(scopedAdmin, 'POST', '/zones', { siteId: ids.siteA, name: 'Zone A3' });
    assert.equal(inside.status, 201, inside.text);
  });

  it('connection strings: a scoped admin makes them only for zones of its scope; an unknown zone is named', async () => {
    const scopedAdmin = await signInAs(testConsole, 'admin');
    assert.equal((await send(admin, 'PATCH', `/users/${scopedAdmin.userId}`, { scope: { siteIds: [ids.siteA], zoneIds: [] } })).status, 200);
    const inZone = await send(scopedAdmin, 'POST', '/connection-strings', { zoneId: ids.zoneA1 });
    assert.equal(inZone.status, 201, inZone.text);
    assertOutOfScope(await send(scopedAdmin, 'POST', '/connection-strings', { zoneId: ids.zoneB1 }), ids.siteA);
    assertOutOfScope(await send(scopedAdmin, 'POST', '/connection-strings', {}), ids.siteA);
    const standing = await send(scopedAdmin, 'GET', '/connection-strings/standing');
    assert.equal(standing.status, 403, standing.text);
    const unknown = await send<ErrorBody & { error: { details: { problems: Array<{ path: string }> } } }>(admin, 'POST', '/connection-strings', { zoneId: 'no-such-zone' });
    assert.equal(unknown.status, 400, unknown.text);
    assert.deepEqual(unknown.body.error.details.problems.map((problem) => problem.path), ['zoneId']);
  });
});
