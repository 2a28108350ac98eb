/**
 * The SNMP health agent with Debian's net-snmp tools (snmpget/snmpwalk, by
 * number: no MIB files are installed): settings through the API (secrets
 * masked, applied without restart), v2c and v3 authPriv, wrong credentials and
 * managers outside the allow-list get no answer, the component table agrees
 * with /api/v1/health, and the sensor table follows presence changes made
 * through the real fleet service.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { fleetOf, seedSensors } from './cli-fleet-seed.js';

const run = promisify(execFile);
const ROOT = '1.3.6.1.4.1.61337.1';
const CONSOLE = `${ROOT}.1`;
const FLEET = `${ROOT}.2`;
const V3 = ['-v3', '-l', 'authPriv', '-u', 'monitor', '-a', 'SHA-256', '-A', 'auth-pass-123', '-x', 'AES', '-X', 'priv-pass-123'];
const V2C = ['-v2c', '-c', 'garrison-ro'];

let testConsole: TestConsole;
let admin: SignedIn;

const settings = (overrides: Record<string, unknown> = {}) => ({
  community: 'garrison-ro',
  users: [{ name: 'monitor', authProtocol: 'sha256', authKey: 'auth-pass-123', privProtocol: 'aes', privKey: 'priv-pass-123' }],
  allowedManagers: [],
  ...overrides,
});

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  const saved = await api(testConsole, 'PUT', '/snmp-agent', { headers: admin.headers, body: settings() });
  assert.equal(saved.status, 200, saved.text);
});
after(() => testConsole.destroy());

/** Runs an snmp tool; resolves with stdout, or with the error text when it fails (timeouts, refusals). */
async function snmp(tool: 'snmpget' | 'snmpwalk' | 'snmpbulkwalk', credentials: string[], ...oids: string[]): Promise<{ ok: boolean; text: string }> {
  // No retry and a short timeout: a refused request must fail fast. Walks get one retry (shared, loaded CI machines).
  const patience = tool === 'snmpget' ? ['-t', '1', '-r', '0'] : ['-t', '2', '-r', '1'];
  try {
    const { stdout } = await run(tool, [...credentials, '-On', ...patience, `127.0.0.1:${testConsole.snmpPort}`, ...oids], { env: { ...process.env, MIBS: '' }, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, text: stdout };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, text: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** `.oid = TYPE: value` lines → oid → value (strings without quotes). */
function values(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^\.(\S+) = (?:\w+: )?(.*)$/gm)].map((match) => [match[1] ?? '', (match[2] ?? '').replace(/^"(.*)"$/, '$1')]),
  );
}

test('settings are shown masked, validated, and refused to non-admins', async () => {
  const shown = await api<{ community: string; users: Array<{ authKey: string; privKey: string }> }>(testConsole, 'GET', '/snmp-agent', { headers: admin.headers });
  assert.equal(shown.body.community, '••••');
  assert.equal(shown.body.users[0]?.authKey, '••••');
  assert.ok(!shown.text.includes('auth-pass-123') && !shown.text.includes('garrison-ro'));
  const stored = await testConsole.garrison.database().db.collection('snmpAgentSettings').findOne({});
  assert.ok(!JSON.stringify(stored).includes('priv-pass-123'), 'secrets are sealed at rest');

  const bad = await api<{ error: { details: { problems: Array<{ path: string }> } } }>(testConsole, 'PUT', '/snmp-agent', {
    headers: admin.headers,
    body: settings({ users: [{ name: 'x', authProtocol: 'md5', authKey: 'short', privProtocol: 'aes', privKey: 'priv-pass-123' }], allowedManagers: ['not-an-ip'] }),
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.details.problems.map((problem) => problem.path).sort(), ['allowedManagers.0', 'users.0.authKey', 'users.0.authProtocol']);

  const analyst = await signInAs(testConsole, 'security-analyst');
  assert.equal((await api(testConsole, 'GET', '/snmp-agent', { headers: analyst.headers })).status, 403);
});

test('v2c: console version, uptime and the component table agree with /api/v1/health', async () => {
  const result = await snmp('snmpwalk', V2C, CONSOLE);
  assert.ok(result.ok, result.text);
  const found = values(result.text);
  const health = await api<{ version: string; components: Array<{ name: string; state: string }> }>(testConsole, 'GET', '/health');
  assert.equal(found.get(`${CONSOLE}.1.0`), health.body.version);
  assert.match(result.text, new RegExp(`^\\.${CONSOLE.replace(/\./g, '\\.')}\\.2\\.0 = Timeticks: \\(\\d+\\)`, 'm'));
  assert.equal(found.get(`${CONSOLE}.4.0`), 'none', 'no console backup yet');
  const names = [...found].filter(([oid]) => oid.startsWith(`${CONSOLE}.10.1.2.`)).map(([, name]) => name).sort();
  assert.deepEqual(names, health.body.components.map((component) => component.name).sort());
  assert.ok(names.includes('snmp') && names.includes('ssh'));
});

test('v3 authPriv answers; a wrong community, a wrong v3 key and a refused manager get no answer', async () => {
  const v3 = await snmp('snmpget', V3, `${CONSOLE}.1.0`);
  assert.ok(v3.ok, v3.text);
  assert.match(v3.text, /STRING: "\d+\.\d+\.\d+/);
  const wrongCommunity = await snmp('snmpget', ['-v2c', '-c', 'public'], `${CONSOLE}.1.0`);
  assert.equal(wrongCommunity.ok, false);
  assert.match(wrongCommunity.text, /Timeout/);
  const wrongKey = await snmp('snmpget', V3.map((part) => (part === 'priv-pass-123' ? 'wrong-pass-123' : part)), `${CONSOLE}.1.0`);
  assert.equal(wrongKey.ok, false);

  const restricted = await api(testConsole, 'PUT', '/snmp-agent', { headers: admin.headers, body: settings({ community: '••••', allowedManagers: ['10.20.0.0/16'] }) });
  assert.equal(restricted.status, 200, restricted.text);
  assert.match((await snmp('snmpget', V2C, `${CONSOLE}.1.0`)).text, /Timeout/);
  await api(testConsole, 'PUT', '/snmp-agent', { headers: admin.headers, body: settings({ allowedManagers: ['127.0.0.0/8'] }) });
  assert.ok((await snmp('snmpget', V2C, `${CONSOLE}.1.0`)).ok, 'applied without a restart');
});

test('the sensor table and counts follow presence changes made through the fleet service', async () => {
  const seeded = await seedSensors(testConsole, 3, { prefix: 'snmp' });
  const fleet = fleetOf(testConsole);
  const [first, second] = seeded;
  assert.ok(first && second);
  await fleet.updatePresence([
    { sensorId: first._id, state: 'connected', reason: 'link-established', at: new Date() },
    { sensorId: second._id, state: 'unreachable', reason: 'ping-timeout', at: new Date() },
  ]);
  let table = new Map<string, string>();
  await waitFor(async () => {
    table = values((await snmp('snmpwalk', V3, FLEET)).text);
    return table.get(`${FLEET}.2.0`) === '1' && table.get(`${FLEET}.3.0`) === '1';
  }, 5000, () => JSON.stringify([...table]));
  assert.equal(table.get(`${FLEET}.1.0`), '3');
  const indexOf = (name: string) => [...table].find(([oid, value]) => oid.startsWith(`${FLEET}.10.1.2.`) && value === name)?.[0].split('.').pop();
  const firstIndex = indexOf(first.name);
  assert.ok(firstIndex, JSON.stringify([...table]));
  assert.equal(table.get(`${FLEET}.10.1.5.${firstIndex}`), '2', 'connected');
  assert.equal(table.get(`${FLEET}.10.1.4.${firstIndex}`), 'Unassigned');
  assert.equal(table.get(`${FLEET}.10.1.8.${firstIndex}`), 'none', 'no backup yet');
  assert.match(table.get(`${FLEET}.10.1.7.${firstIndex}`) ?? '', /^\d{4}-\d\d-\d\dT/, 'last seen');
  assert.ok(Number(table.get(`${FLEET}.10.1.11.${firstIndex}`)) >= 89, 'certificate days left');

  await fleet.updatePresence([{ sensorId: first._id, state: 'disconnected', reason: 'grace-period-elapsed', at: new Date() }]);
  await waitFor(async () => (await snmp('snmpget', V2C, `${FLEET}.10.1.5.${firstIndex}`)).text.includes('INTEGER: 4'), 5000);
  await fleet.revoke(second._id, { byUser: 'admin', remove: true });
  await waitFor(async () => !(await snmp('snmpwalk', V2C, `${FLEET}.10.1.2`)).text.includes(second.name), 5000, () => 'the removed sensor leaves the table');
  assert.equal(values((await snmp('snmpget', V2C, `${FLEET}.1.0`)).text).get(`${FLEET}.1.0`), '2');
});

test('a walk of 1,000 sensors', async () => {
  await seedSensors(testConsole, 1000, { prefix: 'bulk' });
  await waitFor(async () => values((await snmp('snmpget', V2C, `${FLEET}.1.0`)).text).get(`${FLEET}.1.0`) === '1002', 15_000);
  let started = performance.now();
  const walked = await snmp('snmpbulkwalk', [...V2C, '-Cr50'], `${FLEET}.10`);
  const bulkMs = performance.now() - started;
  assert.ok(walked.ok, walked.text.slice(0, 500));
  assert.equal([...walked.text.matchAll(/\.10\.1\.2\.\d+ = STRING/g)].length, 1002);
  started = performance.now();
  const names = await snmp('snmpwalk', V2C, `${FLEET}.10.1.2`);
  const walkMs = performance.now() - started;
  assert.equal([...names.text.matchAll(/STRING/g)].length, 1002);
  const refreshes = testConsole.logs
    .filter((line) => line.includes('SNMP values refreshed') && line.includes('"sensors":1002'))
    .map((line) => (JSON.parse(line) as { ms: number }).ms)
    .sort((a, b) => a - b);
  console.log(
    `1,002 sensors: refresh from the database median ${refreshes[Math.floor(refreshes.length / 2)]} ms (${refreshes.length} refreshes); ` +
      `snmpbulkwalk -Cr50 of the whole sensor table (${1002 * 10} values) ${bulkMs.toFixed(0)} ms; snmpwalk (GETNEXT) of the name column ${walkMs.toFixed(0)} ms`,
  );
});

/** How many full fleet reads the agent has logged so far. */
const fleetReads = () => testConsole.logs.filter((line) => line.includes('SNMP values refreshed')).length;

test('a health report moves last seen and clock drift at once, without a fleet read', async () => {
  const [sensor] = await seedSensors(testConsole, 1, { prefix: 'drift' });
  assert.ok(sensor);
  const fleet = fleetOf(testConsole);
  let index: string | undefined;
  // An enrolment's read waits up to nine times the last read (1,002 sensors here), to keep such reads under a tenth of the time.
  await waitFor(async () => {
    const names = values((await snmp('snmpwalk', V2C, `${FLEET}.10.1.2`)).text);
    index = [...names].find(([, name]) => name === sensor.name)?.[0].split('.').pop();
    return index !== undefined;
  }, 30_000, () => 'the new sensor reaches the table');
  const readsBefore = fleetReads();
  const reportedAt = new Date();
  const health = { receivedAt: reportedAt, sensorTime: reportedAt, clockSkewMs: 4321, packetsPerSecond: 10, bytesPerSecond: 1000, diskUsedPercent: 20, uptimeSeconds: 60 };
  await fleet.recordHealth([{ sensorId: sensor._id, health, lastSeenAt: reportedAt }]);
  // The periodic read is 30 s away: only the event can bring these within 5 s.
  let cells = new Map<string, string>();
  await waitFor(async () => {
    cells = values((await snmp('snmpget', V2C, `${FLEET}.10.1.10.${index}`, `${FLEET}.10.1.7.${index}`)).text);
    return cells.get(`${FLEET}.10.1.10.${index}`) === '4321';
  }, 5000, () => JSON.stringify([...cells]));
  assert.equal(cells.get(`${FLEET}.10.1.7.${index}`), reportedAt.toISOString());
  assert.equal(fleetReads(), readsBefore, 'no fleet read was needed');
});

test('presence changes that keep coming do not turn into back-to-back fleet reads, and none is lost', async () => {
  // 1,000 sensors from the walk test: a fleet read takes a few hundred ms, so a stream of changes overlaps many reads.
  const fleet = fleetOf(testConsole);
  const bulk = (await testConsole.garrison.database().db.collection('sensors').find({ name: /^bulk-/ }, { projection: { _id: 1 } }).toArray()).map((doc) => String(doc._id));
  assert.ok(bulk.length >= 1000, `${bulk.length} bulk sensors`);
  // A revocation asks for a read (debounced); the changes then keep coming while it runs.
  await fleet.revoke(bulk.pop()!, { byUser: 'admin', remove: true });
  const readsBefore = fleetReads();
  const startedAt = performance.now();
  // 6 s of changes, one sensor every 20 ms, each one connected.
  let changed = 0;
  while (performance.now() - startedAt < 6000) {
    const sensorId = bulk[changed % bulk.length]!;
    await fleet.updatePresence([{ sensorId, state: 'connected', reason: 'link-established', at: new Date() }]);
    changed += 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const connected = async () => Number(values((await snmp('snmpget', V2C, `${FLEET}.2.0`)).text).get(`${FLEET}.2.0`));
  const expected = Number((await testConsole.garrison.database().db.collection('sensors').countDocuments({ state: 'connected' })));
  let seen = 0;
  await waitFor(async () => (seen = await connected()) === expected, 5000, () => `connected: SNMP says ${seen}, the database ${expected}`);
  const reads = fleetReads() - readsBefore;
  // Before, a change during a read asked for another read after it: reads ran back to back for as long as changes came.
  assert.ok(reads <= 2, `${reads} fleet reads during ${changed} presence changes`);
});
