/**
 * Site/zone scope on the SSH CLI, with the real OpenSSH client: a user restricted
 * to one site lists and shows only the sensors of that site, and naming a zone or
 * a sensor outside it is refused (exit 3) with the scope in the message. An
 * unscoped user still sees the whole fleet.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sshExec } from '../helpers/ssh-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';
import { seedSensors } from './cli-fleet-seed.js';

let testConsole: TestConsole;
let admin: SignedIn;
const ids = { siteA: '', siteB: '', zoneA1: '', zoneB1: '' };
const scoped = { username: `scoped-${randomBytes(3).toString('hex')}`, password: `scoped-pw-${randomBytes(12).toString('hex')}` };

const asScoped = (command: string) => sshExec(testConsole.sshPort, scoped.username, scoped.password, command);

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  const send = async (path: string, body: unknown) => {
    const response = await api<{ id: string }>(testConsole, 'POST', path, { headers: admin.headers, body });
    assert.equal(response.status, 201, `${path}: ${response.text}`);
    return response.body.id;
  };
  ids.siteA = await send('/sites', { name: 'Site A' });
  ids.siteB = await send('/sites', { name: 'Site B' });
  ids.zoneA1 = await send('/zones', { siteId: ids.siteA, name: 'Line 1' });
  ids.zoneB1 = await send('/zones', { siteId: ids.siteB, name: 'Line 1' });
  await seedSensors(testConsole, 2, { prefix: 'alpha', siteId: ids.siteA, zoneId: ids.zoneA1 });
  await seedSensors(testConsole, 2, { prefix: 'bravo', siteId: ids.siteB, zoneId: ids.zoneB1 });
  await seedSensors(testConsole, 1, { prefix: 'loose' });
  await send('/users', { username: scoped.username, role: 'security-analyst', password: scoped.password, mustChangePassword: false, scope: { siteIds: [ids.siteA], zoneIds: [] } });
});
after(() => testConsole.destroy());

test('sensors list shows only the sensors of the scope', async () => {
  const result = await asScoped('sensors list');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /alpha-0001/);
  assert.match(result.stdout, /alpha-0002/);
  assert.doesNotMatch(result.stdout, /bravo|loose/);
  assert.match(result.stdout, /^2 sensors\.$/m);

  const everything = await sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, 'sensors list');
  assert.equal(everything.code, 0, everything.stderr);
  assert.match(everything.stdout, /^5 sensors\.$/m, 'an unscoped user sees the whole fleet');
});

test('a zone outside the scope is refused, naming the scope; one inside lists its sensors', async () => {
  const outside = await asScoped('sensors list --zone "Site B/Line 1"');
  assert.equal(outside.code, 3, outside.stdout);
  assert.match(outside.stderr, /Zone Site B\/Line 1 is outside your access scope/);
  assert.ok(outside.stderr.includes(ids.siteA), outside.stderr);
  assert.doesNotMatch(outside.stdout, /bravo/);

  const inside = await asScoped('sensors list --zone "Site A/Line 1"');
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stdout, /^2 sensors in Site A\/Line 1\.$/m);

  // Both sites have a "Line 1": the scoped user's own is meant, and the other site is never named.
  const namesake = await asScoped('sensors list --zone "Line 1"');
  assert.equal(namesake.code, 0, namesake.stderr);
  assert.match(namesake.stdout, /^2 sensors in Site A\/Line 1\.$/m);
  const ambiguous = await sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, 'sensors list --zone "Line 1"');
  assert.notEqual(ambiguous.code, 0);
  assert.match(ambiguous.stderr, /Several zones are named Line 1: .*Site B\/Line 1/, 'an unscoped user is asked to choose');
});

test('sensors show refuses a sensor outside the scope, Unassigned ones included', async () => {
  const inside = await asScoped('sensors show alpha-0001');
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stdout, /^Name: +alpha-0001$/m);
  assert.match(inside.stdout, /^Site \/ zone: +Site A \/ Line 1$/m);

  for (const name of ['bravo-0001', 'loose-0001']) {
    const outside = await asScoped(`sensors show ${name}`);
    assert.equal(outside.code, 3, outside.stdout);
    assert.equal(outside.stdout, '', 'nothing of the sensor is printed');
    assert.match(outside.stderr, new RegExp(`Sensor ${name} is outside your access scope \\(sites: ${ids.siteA}; zones: none\\)`));
  }
});

test('connection strings: a scoped admin makes single-use ones for its zones only, never the standing one', async () => {
  const scopedAdmin = { username: `scoped-admin-${randomBytes(3).toString('hex')}`, password: `scoped-pw-${randomBytes(12).toString('hex')}` };
  const created = await api(testConsole, 'POST', '/users', {
    headers: admin.headers,
    body: { ...scopedAdmin, role: 'admin', mustChangePassword: false, scope: { siteIds: [ids.siteA], zoneIds: [] } },
  });
  assert.equal(created.status, 201, created.text);
  const run = (command: string) => sshExec(testConsole.sshPort, scopedAdmin.username, scopedAdmin.password, command);

  const inside = await run("connection-string create --single-use --zone 'Site A/Line 1'");
  assert.equal(inside.code, 0, inside.stderr);
  assert.match(inside.stdout, /Zone: Site A\/Line 1/);
  for (const command of ["connection-string create --single-use --zone 'Site B/Line 1'", 'connection-string create --single-use', 'connection-string show', 'connection-string create']) {
    const refused = await run(command);
    assert.equal(refused.code, 3, `${command}: ${refused.stdout}`);
    assert.match(refused.stderr, /outside your access scope/, command);
    assert.doesNotMatch(refused.stdout, /GRS1\./, `${command} printed no string`);
  }
});
