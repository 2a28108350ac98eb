/**
 * The settings API against a real console (embedded FerretDB, real HTTPS):
 * per-field scope overrides, validation naming the field, stale saves refused
 * with what changed, previews, drift, and secrets that never come back out
 * (responses, logs, audit) while the link path still gets them in clear.
 */
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../../../../test/helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../../../../test/helpers/test-session.js';
import { EventBus } from '../../platform/event-bus.js';
import { loadMasterKey } from '../../platform/secrets/master-key.js';
import { SecretBox } from '../../platform/secrets/secret-box.js';
import { sensorModel } from '../fleet/sensor-model.js';
import { scopeMembers } from '../fleet/sensors/scope-members.js';
import { DatabaseSensorListing } from '../fleet/sensors/sensor-listing.js';
import { siteModel } from '../fleet/sites/site-model.js';
import { zoneModel } from '../fleet/zones/zone-model.js';
import { ApplyResultRecorder } from './apply-result-recorder.js';
import { PushConfirmations } from './push-confirmations.js';
import { SettingsDrift } from './settings-drift.js';
import { settingsModels, type SensorSettingsStatusDocument } from './settings-model.js';
import { SettingsRevisions } from './settings-revisions.js';
import { SettingsService } from './settings-service.js';

let testConsole: TestConsole;
let admin: SignedIn;
let secretBox: SecretBox;
let siteId: string;
let zoneId: string;
let otherZoneId: string;
const sensorIds: string[] = [];
const MAIL_PASSWORD = 'mail-secret-Qx7-4471';
const COMMUNITY = 'community-Zr9-2210';

interface ScopeBody {
  revision: number;
  settings: Record<string, Record<string, unknown> | unknown[]>;
  changedFields?: string[];
}
interface ErrorBody {
  error: { code: string; message: string; details: { problems?: Array<{ path: string; message: string }>; changedFields?: string[] } };
}

async function seedSensor(name: string, zone: string | null): Promise<string> {
  const id = randomUUID();
  const now = new Date();
  await sensorModel(testConsole.garrison.database().connection).create({
    _id: id,
    name,
    nameKey: name.toLowerCase(),
    hostname: `${name}.plant.local`,
    zoneId: zone,
    siteId: zone ? siteId : null,
    state: 'connected',
    stateReason: 'link-established',
    stateSince: now,
    versions: { sensorLink: '0.1.0', core: '24.1.0', protocol: 1 },
    certificate: { serialNumber: randomUUID(), fingerprint256: randomUUID(), notBefore: now, notAfter: now },
    enrolledAt: now,
    enrolledWithTokenId: 'test',
  });
  return id;
}

/** The service as the link will use it, on the test console's own database and master key (the console does not expose its services). */
function linkService(events = new EventBus(testConsole.garrison.logger)): SettingsService {
  const { connection, db } = testConsole.garrison.database();
  const models = settingsModels(connection);
  const sensors = sensorModel(connection);
  return new SettingsService({
    revisions: new SettingsRevisions(models, db),
    drift: new SettingsDrift(models, sensors, new ApplyResultRecorder(db.collection<SensorSettingsStatusDocument>('sensorSettingsStatus'), sensors, events)),
    sensors,
    sensorsInScope: (scope, confirm) => scopeMembers(sensors, new DatabaseSensorListing(sensors), scope, confirm),
    // The database answers whom to push to here, so there is nothing to confirm.
    confirmations: new PushConfirmations({ pushesSettled: async () => {} }),
    sites: siteModel(connection),
    zones: zoneModel(connection),
    secretBox,
    events,
    logger: testConsole.garrison.logger,
  });
}

function put(path: string, baseRevision: number, settings: unknown) {
  return api<ScopeBody & ErrorBody>(testConsole, 'PUT', `/settings${path}`, { headers: admin.headers, body: { baseRevision, settings } });
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  secretBox = new SecretBox(await loadMasterKey({ keyFile: testConsole.garrison.config.masterKeyFile, createIfMissing: false }));
  const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Refinery' } });
  assert.equal(site.status, 201, site.text);
  siteId = site.body.id;
  const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId, name: 'Line 1' } });
  const other = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers: admin.headers, body: { siteId, name: 'Line 2' } });
  zoneId = zone.body.id;
  otherZoneId = other.body.id;
  sensorIds.push(await seedSensor('sensor-a', zoneId), await seedSensor('sensor-b', zoneId), await seedSensor('sensor-c', otherZoneId), await seedSensor('sensor-d', null));
});
after(() => testConsole.destroy());

test('the narrowest scope wins field by field, and the effective view names each origin', async () => {
  const global = await put('/global', 0, {
    ntp: { enabled: true, servers: [{ address: '10.0.0.1' }] },
    timeRegion: { dateFormat: 'yyyy/MM/dd HH:mm:ss' },
    uploadBandwidthLimit: '2mbit',
  });
  assert.equal(global.status, 200, global.text);
  assert.ok(global.body.revision > 0);
  const zone = await put(`/zones/${zoneId}`, 0, { ntp: { servers: [{ address: 'ntp.plant.local', port: 1123 }] }, timeRegion: { timeZone: 'Europe/Berlin' } });
  assert.equal(zone.status, 200, zone.text);
  const sensor = await put(`/sensors/${sensorIds[0]}`, 0, { timeRegion: { dateFormat: 'dd/MM/yyyy HH:mm:ss' } });
  assert.equal(sensor.status, 200, sensor.text);

  const effective = await api<{ revision: number; settings: Record<string, Record<string, unknown>>; origins: Array<{ field: string; source: string; scopeId: string | null }> }>(
    testConsole, 'GET', `/settings/sensors/${sensorIds[0]}/effective`, { headers: admin.headers },
  );
  assert.equal(effective.status, 200, effective.text);
  assert.deepEqual(effective.body.settings.ntp, { enabled: true, servers: [{ address: 'ntp.plant.local', port: 1123 }] }, 'the zone replaces the server list; enabled stays global');
  assert.deepEqual(effective.body.settings.timeRegion, { timeZone: 'Europe/Berlin', dateFormat: 'dd/MM/yyyy HH:mm:ss' });
  assert.deepEqual(effective.body.settings.uploadBandwidthLimit, { text: '2mbit', bitsPerSecond: 2_000_000 });
  const origin = (field: string) => effective.body.origins.find((entry) => entry.field === field);
  assert.deepEqual(origin('ntp.enabled'), { field: 'ntp.enabled', source: 'global', scopeId: null });
  assert.deepEqual(origin('ntp.servers'), { field: 'ntp.servers', source: 'zone', scopeId: zoneId });
  assert.deepEqual(origin('timeRegion.dateFormat'), { field: 'timeRegion.dateFormat', source: 'sensor', scopeId: sensorIds[0] });
  assert.equal(effective.body.revision, sensor.body.revision, 'the desired revision is the newest of the sensor scopes');

  const unassigned = await api<{ settings: Record<string, Record<string, unknown>> }>(testConsole, 'GET', `/settings/sensors/${sensorIds[3]}/effective`, { headers: admin.headers });
  assert.deepEqual(unassigned.body.settings.timeRegion, { timeZone: 'UTC', dateFormat: 'yyyy/MM/dd HH:mm:ss' }, 'default time zone, global date format');
});

test('invalid settings are refused with the field named, section by section', async () => {
  const current = await api<ScopeBody>(testConsole, 'GET', `/settings/sites/${siteId}`, { headers: admin.headers });
  const cases: Array<[unknown, string]> = [
    [{ ntp: { servers: [{ address: 'not a host!' }] } }, 'settings.ntp.servers.0.address'],
    [{ ntp: { enabled: true, servers: [] } }, 'settings.ntp.servers'],
    [{ timeRegion: { timeZone: 'Mars/Olympus' } }, 'settings.timeRegion.timeZone'],
    [{ timeRegion: { dateFormat: 'yyyy-MM-dd' } }, 'settings.timeRegion.dateFormat'],
    [{ dns: { servers: ['dns.example.com'] } }, 'settings.dns.servers.0'],
    [{ mail: { security: 'ssl' } }, 'settings.mail.security'],
    [{ mail: { sender: 'not-an-address' } }, 'settings.mail.sender'],
    [{ snmp: { v3AuthPassword: 'short' } }, 'settings.snmp.v3AuthPassword'],
    [{ snmp: { allowedManagers: ['10.0.0.0/8'] } }, 'settings.snmp.allowedManagers.0'],
    [{ activeDirectory: { groupRoles: [{ group: 'OT.Admins', role: 'root' }] } }, 'settings.activeDirectory.groupRoles.0.role'],
    [{ subnets: [{ cidr: '10.0.0.0/8', name: 'plant' }, { cidr: '10.20.0.0/16', name: 'cell' }] }, 'settings.subnets.1.cidr'],
    [{ subnets: [{ cidr: 'fd00::/8', name: 'a' }, { cidr: 'fd12:3456::/32', name: 'b' }] }, 'settings.subnets.1.cidr'],
    [{ subnets: [{ cidr: '10.0.0.1/24', name: 'host bits' }] }, 'settings.subnets.0.cidr'],
    [{ portAliases: [{ port: 502, protocol: 'tcp', alias: 'modbus' }, { port: 502, protocol: 'tcp', alias: 'again' }] }, 'settings.portAliases.1'],
    [{ portAliases: [{ port: 70000, protocol: 'tcp', alias: 'x' }] }, 'settings.portAliases.0.port'],
    [{ uploadBandwidthLimit: '30 furlongs' }, 'settings.uploadBandwidthLimit'],
    [{ systemProperties: { maxFailedLogins: 0 } }, 'settings.systemProperties.maxFailedLogins'],
    [{ systemProperties: { backupDirectoryPath: 'relative/path' } }, 'settings.systemProperties.backupDirectoryPath'],
    [{ unknownSection: {} }, 'settings'],
  ];
  for (const [settings, path] of cases) {
    const response = await put(`/sites/${siteId}`, current.body.revision, settings);
    assert.equal(response.status, 400, `${JSON.stringify(settings)} → ${response.text}`);
    assert.equal(response.body.error.code, 'validation_failed');
    const paths = (response.body.error.details.problems ?? []).map((problem) => problem.path);
    assert.ok(paths.includes(path), `${JSON.stringify(settings)} should name ${path}, named ${paths.join(', ')}`);
  }
});

test('a save based on an old revision is refused 409 stale_revision with the fields changed meanwhile', async () => {
  const loaded = await api<ScopeBody>(testConsole, 'GET', `/settings/zones/${otherZoneId}`, { headers: admin.headers });
  assert.equal(loaded.body.revision, 0);
  const first = await put(`/zones/${otherZoneId}`, 0, { dns: { servers: ['10.1.1.1'] }, portAliases: [{ port: 502, protocol: 'tcp', alias: 'modbus' }] });
  assert.equal(first.status, 200, first.text);
  const second = await put(`/zones/${otherZoneId}`, first.body.revision, { dns: { servers: ['10.1.1.2'] }, portAliases: [{ port: 502, protocol: 'tcp', alias: 'modbus' }] });
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(second.body.changedFields, ['dns.servers']);

  const stale = await put(`/zones/${otherZoneId}`, first.body.revision, { dns: { servers: ['10.9.9.9'] } });
  assert.equal(stale.status, 409, stale.text);
  assert.equal(stale.body.error.code, 'stale_revision');
  assert.deepEqual(stale.body.error.details.changedFields, ['dns.servers']);
  const neverLoaded = await put(`/zones/${otherZoneId}`, 0, { dns: { servers: ['10.9.9.9'] } });
  assert.equal(neverLoaded.status, 409, 'a second "first save" is stale too');
  assert.deepEqual(neverLoaded.body.error.details.changedFields, ['dns.servers', 'portAliases']);
  const unchanged = await api<ScopeBody>(testConsole, 'GET', `/settings/zones/${otherZoneId}`, { headers: admin.headers });
  assert.deepEqual(unchanged.body.settings.dns, { servers: ['10.1.1.2'] });
});

test('preview lists the sensors a change affects and one sensor\'s result, saving nothing', async () => {
  const global = await api<ScopeBody>(testConsole, 'GET', '/settings/global', { headers: admin.headers });
  const preview = await api<{ changedFields: string[]; sensorsInScope: number; affected: { count: number; sensors: Array<{ id: string; name: string }> }; sample: { sensorId: string; settings: Record<string, Record<string, unknown>> } }>(
    testConsole, 'POST', '/settings/preview',
    { headers: admin.headers, body: { scope: { kind: 'global' }, settings: { ...global.body.settings, ntp: { enabled: true, servers: [{ address: '10.0.0.2' }] } } } },
  );
  assert.equal(preview.status, 200, preview.text);
  assert.deepEqual(preview.body.changedFields, ['ntp.servers']);
  assert.equal(preview.body.sensorsInScope, 4);
  // Line 1 overrides ntp.servers, so only sensor-c (Line 2) and sensor-d (unassigned) see the new server.
  assert.deepEqual(preview.body.affected.sensors.map((sensor) => sensor.name).sort(), ['sensor-c', 'sensor-d']);
  assert.deepEqual(preview.body.sample.settings.ntp, { enabled: true, servers: [{ address: '10.0.0.2', port: 123 }] });
  const after = await api<ScopeBody>(testConsole, 'GET', '/settings/global', { headers: admin.headers });
  assert.equal(after.body.revision, global.body.revision, 'a preview saves nothing');
});

test('secrets are sealed, masked in every answer, kept when the mask is sent back, and never logged or audited', async () => {
  const settings = { mail: { host: 'smtp.plant.local', port: 587, security: 'starttls', sender: 'sensors@plant.local', username: 'relay', password: MAIL_PASSWORD }, snmp: { enabled: true, version: 'v2c', community: COMMUNITY } };
  const saved = await put(`/sensors/${sensorIds[1]}`, 0, settings);
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.settings.mail && (saved.body.settings.mail as Record<string, unknown>).password, '••••');

  const masked = await put(`/sensors/${sensorIds[1]}`, saved.body.revision, { ...settings, mail: { ...settings.mail, password: '••••', port: 465, security: 'tls' }, snmp: { ...settings.snmp, community: '••••' } });
  assert.equal(masked.status, 200, masked.text);
  assert.deepEqual(masked.body.changedFields, ['mail.port', 'mail.security'], 'sending the mask back keeps the stored secret');

  const stored = await testConsole.garrison.database().db.collection<{ _id: string; settings: { mail: { password: string } } }>('settingsScopes').findOne({ _id: `sensor:${sensorIds[1]}` });
  assert.match(stored?.settings.mail.password ?? '', /^gse1\./, 'sealed at rest');

  const responses = await Promise.all([
    api(testConsole, 'GET', `/settings/sensors/${sensorIds[1]}`, { headers: admin.headers }),
    api(testConsole, 'GET', `/settings/sensors/${sensorIds[1]}/effective`, { headers: admin.headers }),
    api(testConsole, 'POST', '/settings/preview', { headers: admin.headers, body: { scope: { kind: 'sensor', id: sensorIds[1] }, settings: { ...settings, mail: { ...settings.mail, password: 'another-secret-8812' } } } }),
    api(testConsole, 'GET', '/audit', { headers: admin.headers }),
    put(`/sensors/${sensorIds[1]}`, 0, settings),
  ]);
  for (const response of responses) {
    assert.doesNotMatch(response.text, new RegExp(`${MAIL_PASSWORD}|${COMMUNITY}|another-secret-8812|gse1\\.`), `a secret leaked into ${response.text.slice(0, 200)}`);
  }
  assert.match(responses[3]?.text ?? '', /settings\.updated/, 'saves are audited');
  const leaked = testConsole.logs.filter((line) => line.includes(MAIL_PASSWORD) || line.includes(COMMUNITY) || line.includes('another-secret-8812'));
  assert.deepEqual(leaked, []);

  // The link path, and only it, gets the secrets in clear.
  const forLink = await linkService().effectiveFor(sensorIds[1] ?? '');
  assert.equal(forLink.settings.mail?.password, MAIL_PASSWORD);
  assert.equal(forLink.settings.snmp?.community, COMMUNITY);
});

test('the drift report shows desired against applied revisions and the last apply result', async () => {
  type DriftBody = { items: Array<{ sensorName: string; desiredRevision: number; appliedRevision: number | null; inSync: boolean; lastResult: { ok: boolean; reason: string | null } | null }> };
  const drift = await api<DriftBody>(testConsole, 'GET', '/settings/drift?driftedOnly=true', { headers: admin.headers });
  assert.equal(drift.status, 200, drift.text);
  assert.deepEqual(drift.body.items.map((row) => row.sensorName), ['sensor-a', 'sensor-b', 'sensor-c', 'sensor-d']);
  assert.ok(drift.body.items.every((row) => row.appliedRevision === null && row.desiredRevision > 0 && !row.inSync));

  const service = linkService();
  const sensorA = await service.effectiveFor(sensorIds[0] ?? '');
  await service.recordApplyResult(sensorIds[0] ?? '', sensorA.revision, true, null);
  const sensorC = await service.effectiveFor(sensorIds[2] ?? '');
  await service.recordApplyResult(sensorIds[2] ?? '', sensorC.revision, false, 'chronyd refused the configuration\nline 3');
  const after = await api<DriftBody>(testConsole, 'GET', '/settings/drift', { headers: admin.headers });
  const row = (name: string) => after.body.items.find((item) => item.sensorName === name);
  assert.equal(row('sensor-a')?.inSync, true);
  assert.equal(row('sensor-a')?.appliedRevision, sensorA.revision);
  assert.equal(row('sensor-c')?.inSync, false);
  assert.deepEqual(row('sensor-c')?.lastResult && { ok: row('sensor-c')?.lastResult?.ok, reason: row('sensor-c')?.lastResult?.reason }, { ok: false, reason: 'chronyd refused the configuration line 3' });
});

test('results recorded together are stored in one batch, each as reported, and effectiveForMany matches effectiveFor', async () => {
  const events = new EventBus(testConsole.garrison.logger);
  const service = linkService(events);
  const many = await service.effectiveForMany([...sensorIds, 'no-such-sensor']);
  for (const sensorId of sensorIds) {
    const one = await service.effectiveFor(sensorId);
    const batched = many.get(sensorId);
    assert.ok(batched && !('error' in batched));
    assert.deepEqual({ revision: batched.revision, settings: batched.settings }, one);
  }
  assert.equal((many.get('no-such-sensor') as { error: { code: string } } | undefined)?.error.code, 'not_found');

  // A: applied before (an update); B: first result ever (an upsert); C: failed again; D: applied, then failed in the same batch.
  const revision = (many.get(sensorIds[0] ?? '') as { revision: number }).revision;
  const published: Array<{ sensorName: string; ok: boolean }> = [];
  const off = events.on('settings.apply-result', (event) => void published.push({ sensorName: event.sensorName, ok: event.ok }));
  await Promise.all([
    service.recordApplyResult(sensorIds[0] ?? '', revision, true, null),
    service.recordApplyResult(sensorIds[1] ?? '', revision, true, null, { sensorName: 'named by the link', siteId: null, zoneId: null }),
    service.recordApplyResult(sensorIds[2] ?? '', revision, false, 'disk full'),
    service.recordApplyResult(sensorIds[3] ?? '', revision, true, null),
    service.recordApplyResult(sensorIds[3] ?? '', revision, false, 'reload failed'),
  ]);
  off();
  assert.deepEqual(published.map((event) => `${event.sensorName}:${event.ok}`), ['sensor-a:true', 'named by the link:true', 'sensor-c:false', 'sensor-d:true', 'sensor-d:false']);
  type DriftBody = { items: Array<{ sensorName: string; appliedRevision: number | null; lastResult: { ok: boolean; reason: string | null } | null }> };
  const drift = await api<DriftBody>(testConsole, 'GET', '/settings/drift', { headers: admin.headers });
  const row = (name: string) => drift.body.items.find((item) => item.sensorName === name);
  assert.deepEqual([row('sensor-a')?.appliedRevision, row('sensor-a')?.lastResult?.ok], [revision, true]);
  assert.deepEqual([row('sensor-b')?.appliedRevision, row('sensor-b')?.lastResult?.ok], [revision, true]);
  assert.deepEqual([row('sensor-c')?.lastResult?.ok, row('sensor-c')?.lastResult?.reason], [false, 'disk full']);
  assert.deepEqual([row('sensor-d')?.appliedRevision ?? null, row('sensor-d')?.lastResult?.reason], [null, 'reload failed'], 'the last result of a sensor in a batch is the one stored');
});

test('moving a sensor to another zone raises its desired revision', async () => {
  const before = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorIds[3]}/effective`, { headers: admin.headers });
  const moved = await api(testConsole, 'PUT', `/sensors/${sensorIds[3]}/zone`, { headers: admin.headers, body: { zoneId } });
  assert.equal(moved.status, 200, moved.text);
  let after = before;
  for (let attempt = 0; attempt < 50 && after.body.revision === before.body.revision; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = await api<{ revision: number }>(testConsole, 'GET', `/settings/sensors/${sensorIds[3]}/effective`, { headers: admin.headers });
  }
  assert.ok(after.body.revision > before.body.revision, `${after.body.revision} > ${before.body.revision}`);
});

test('Read Only may read settings but not change or preview them', async () => {
  const readOnly = await signInAs(testConsole, 'read-only');
  assert.equal((await api(testConsole, 'GET', '/settings/global', { headers: readOnly.headers })).status, 200);
  assert.equal((await api(testConsole, 'GET', '/settings/drift', { headers: readOnly.headers })).status, 200);
  assert.equal((await api(testConsole, 'PUT', '/settings/global', { headers: readOnly.headers, body: { baseRevision: 0, settings: {} } })).status, 403);
  assert.equal((await api(testConsole, 'POST', '/settings/preview', { headers: readOnly.headers, body: { scope: { kind: 'global' }, settings: {} } })).status, 403);
});
