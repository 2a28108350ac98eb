/**
 * The SSH admin CLI with the real OpenSSH client: exec and interactive use,
 * sign-in through the users module (wrong passwords refused and audited), each
 * command's permission, argument errors with usage, `system sanity` agreeing
 * with /api/v1/health, and state-changing commands audited with user and address.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signIn, signInAs, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';
import { sshExec, sshScript, sshShell } from '../helpers/ssh-client.js';
import { seedSensors } from './cli-fleet-seed.js';

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());

const asAdmin = (command: string) => sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, command);

interface AuditRow {
  action: string;
  actor: { name: string };
  sourceAddress: string | null;
  outcome: string;
  reason: string | null;
}

function auditRecords(action: string) {
  return testConsole.garrison.database().db.collection<AuditRow>('auditRecords').find({ action }).sort({ _id: -1 }).toArray();
}

test('exec: system version prints the version and the host key fingerprint OpenSSH sees', async () => {
  const result = await asAdmin('system version');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.match(result.stdout, /^Version: \d+\.\d+\.\d+/m);
  const fingerprint = /SSH host key: ED25519 (SHA256:[A-Za-z0-9+/]+)/.exec(result.stdout)?.[1];
  assert.ok(fingerprint, result.stdout);
  const run = promisify(execFile);
  const scanned = await run('sh', ['-c', `ssh-keyscan -t ed25519 -p ${testConsole.sshPort} 127.0.0.1 2>/dev/null | ssh-keygen -lf -`]);
  assert.ok(scanned.stdout.includes(fingerprint), `ssh-keygen printed ${scanned.stdout}`);
  const rounds: number[] = [];
  for (let round = 0; round < 5; round += 1) rounds.push((await asAdmin('date')).elapsedMs);
  rounds.sort((a, b) => a - b);
  console.log(`ssh exec round trip (connect, key exchange, password sign-in, command, exit): first ${result.elapsedMs.toFixed(0)} ms, median of 5 ${rounds[2]?.toFixed(0)} ms`);
});

test('a wrong password is refused and audited as a failed ssh sign-in', async () => {
  const result = await sshExec(testConsole.sshPort, 'admin', 'not-the-password', 'system version');
  assert.equal(result.code, 255);
  assert.match(result.stderr, /Permission denied/);
  assert.equal(result.stdout, '');
  const [failure] = await auditRecords('auth.sign-in');
  assert.equal(failure?.outcome, 'failure');
  assert.match(failure?.reason ?? '', /via ssh/);
  assert.equal(failure?.sourceAddress, '127.0.0.1');
});

test('an unknown command says so, suggests help and exits non-zero', async () => {
  const result = await asAdmin('sytem version');
  assert.equal(result.code, 127);
  assert.match(result.stderr, /Unknown command: sytem version\. Type "help"/);
  assert.equal(result.stdout, '');
});

test('bad arguments name the problem and show the usage', async () => {
  const result = await asAdmin('ntp enable not_a_host!');
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Invalid arguments: address: must be an IP address or host name/);
  assert.match(result.stderr, /Usage: ntp enable <address>/);
  const missing = await asAdmin('ntp enable');
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /address: is missing/);
  const unknownOption = await asAdmin('sensors list --colour red');
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /Unknown option --colour\./);
});

test('system sanity lists the same components and states as GET /api/v1/health', async () => {
  const [result, health] = await Promise.all([
    asAdmin('system sanity'),
    api<{ status: string; components: Array<{ name: string; state: string }> }>(testConsole, 'GET', '/health'),
  ]);
  const listed = [...result.stdout.matchAll(/^\[([+-])\] (\S+) \| (\w+)/gm)].map((match) => ({ name: match[2], up: match[1] === '+' }));
  assert.deepEqual(
    listed,
    health.body.components.map((component) => ({ name: component.name, up: component.state === 'up' })),
  );
  // Every component the issue names: web console, link listener, database, scheduler, outbox, SNMP, SSH, backups.
  assert.deepEqual(
    listed.map((component) => component.name).sort(),
    ['backups', 'database', 'forwarding-outbox', 'scheduler', 'sensor-link', 'snmp', 'ssh', 'web'],
  );
  if (health.body.status === 'up') {
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^System is UP!$/m);
  } else {
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`System is ${health.body.status.toUpperCase()}`));
  }
});

test('a read-only user cannot run an admin command, and help does not offer it', async () => {
  const reader = await signInAs(testConsole, 'read-only');
  const password = `reader-${Date.now()}-password`;
  // signInAs changed the password to a random one; set a known one through the API.
  const reset = await api(testConsole, 'POST', `/users/${reader.userId}/reset-password`, { headers: admin.headers, body: { newPassword: password } });
  assert.ok(reset.status === 200 || reset.status === 204, reset.text);
  await signIn(testConsole, reader.username, password, `${password}-changed`);
  const denied = await sshExec(testConsole.sshPort, reader.username, `${password}-changed`, 'users password-reset -u admin -p whatever-password-123');
  assert.equal(denied.code, 3);
  assert.match(denied.stderr, /Your role \(Read Only\) does not allow "users password-reset" \(users:manage\)/);
  const help = await sshExec(testConsole.sshPort, reader.username, `${password}-changed`, 'help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /system sanity/);
  assert.doesNotMatch(help.stdout, /password-reset|ntp enable|connection-string/);
});

test('ntp enable/disable change the global settings and are audited with user and address', async () => {
  const enabled = await asAdmin('ntp enable 129.6.15.28');
  assert.equal(enabled.code, 0, enabled.stderr);
  const global = await api<{ settings: { ntp?: { enabled: boolean; servers: Array<{ address: string }> } } }>(testConsole, 'GET', '/settings/global', { headers: admin.headers });
  assert.deepEqual(global.body.settings.ntp?.servers.map((server) => server.address), ['129.6.15.28']);
  assert.equal(global.body.settings.ntp?.enabled, true);
  const [record] = await auditRecords('settings.updated');
  assert.equal(record?.actor.name, 'admin');
  assert.equal(record?.sourceAddress, '127.0.0.1');
  assert.match(record?.reason ?? '', /ntp enable 129\.6\.15\.28 via ssh/);

  const status = await asAdmin('ntp status');
  assert.match(status.stdout, /NTP: on\n {2}server 129\.6\.15\.28/);
  const disabled = await asAdmin('ntp disable 129.6.15.28');
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.match((await asAdmin('ntp status')).stdout, /NTP: off/);
  const notListed = await asAdmin('ntp disable 10.9.9.9');
  assert.equal(notListed.code, 1);
  assert.match(notListed.stderr, /10\.9\.9\.9 is not one of the console's NTP servers/);
});

test('connection-string show, create --single-use and revoke', async () => {
  const shown = await asAdmin('connection-string show');
  assert.equal(shown.code, 0, shown.stderr);
  const again = await asAdmin('connection-string show');
  assert.equal(again.stdout.split('\n')[0], shown.stdout.split('\n')[0], 'the standing string is stable');
  const single = await asAdmin('connection-string create --single-use --ttl 2h');
  assert.equal(single.code, 0, single.stderr);
  const id = /Id: (\S+) {2}Kind: single-use/.exec(single.stdout)?.[1];
  assert.ok(id, single.stdout);
  const zoneWithoutSingleUse = await asAdmin('connection-string create --zone Line-1');
  assert.equal(zoneWithoutSingleUse.code, 2);
  assert.match(zoneWithoutSingleUse.stderr, /only a --single-use string can be pre-assigned/);
  const badTtl = await asAdmin('connection-string create --single-use --ttl 90d');
  assert.match(badTtl.stderr, /ttl: must be from 5m to 30d/);
  const revoked = await asAdmin(`connection-string revoke ${id}`);
  assert.equal(revoked.code, 0, revoked.stderr);
  const list = await api<{ connectionStrings: Array<{ id: string; state: string }> }>(testConsole, 'GET', '/connection-strings', { headers: admin.headers });
  assert.equal(list.body.connectionStrings.find((token) => token.id === id)?.state, 'revoked');
  assert.equal((await auditRecords('connection-string.revoked'))[0]?.sourceAddress, '127.0.0.1');
});

test('sensors list and show', async () => {
  await seedSensors(testConsole, 3, { prefix: 'cli' });
  const listed = await asAdmin('sensors list --state never-connected');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^NAME +STATE +SITE +ZONE +VERSION +LAST SEEN$/m);
  assert.match(listed.stdout, /^cli-0002 +never-connected +- +Unassigned +24\.1\.3 +never$/m);
  assert.match(listed.stdout, /3 sensors\./);
  const shown = await asAdmin('sensors show CLI-0001');
  assert.match(shown.stdout, /Name: +cli-0001/);
  assert.match(shown.stdout, /Certificate: .*\((89|90) days left\)/);
  const missing = await asAdmin('sensors show nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /No sensor is named nope/);
  const badState = await asAdmin('sensors list --state asleep');
  assert.match(badState.stderr, /state\.0: must be one or more of never-connected/);
});

test('users password-reset by an admin: the old password stops working', async () => {
  const analyst = await signInAs(testConsole, 'security-analyst');
  const reset = await asAdmin(`users password-reset -u ${analyst.username} -p 'Reset-by-ssh-2026!'`);
  assert.equal(reset.code, 0, reset.stderr);
  const [record] = await auditRecords('user.password-reset');
  assert.equal(record?.actor.name, 'admin');
  assert.equal(record?.sourceAddress, '127.0.0.1');
  // The reset forces a change: the CLI refuses commands until it is done in the web console.
  const mustChange = await sshExec(testConsole.sshPort, analyst.username, 'Reset-by-ssh-2026!', 'date');
  assert.equal(mustChange.code, 3);
  assert.match(mustChange.stderr, /change it in the web console/);
});

test('a script on standard input runs line by line without a pty, errors on stderr', async () => {
  const result = await sshScript(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, 'date\nsytem version\nsystem version\n');
  assert.equal(result.code, 0);
  assert.match(result.stdout, /UTC \d{4}\n[\s\S]*Version: /);
  assert.match(result.stderr, /Unknown command: sytem version/);
});

test('system diagnostics shows listeners and counts, and no secret', async () => {
  const result = await asAdmin('system diagnostics');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`Listeners: .*ssh 127\\.0\\.0\\.1:${testConsole.sshPort}`));
  assert.match(result.stdout, /^Sensors: /m);
  assert.doesNotMatch(result.stdout, /mongodb:\/\/|master/i);
});

test('interactive shell: prompt, help, backspace, ctrl-c, tab completion, exit', async () => {
  const shell = sshShell(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD);
  try {
    await shell.waitFor(/admin@garrison: $/);
    shell.send('help\r');
    await shell.waitFor(/Commands you can run:[\s\S]*admin@garrison: $/);
    shell.send('datx\x7fe\r');
    await shell.waitFor(/\d{2}:\d{2}:\d{2} UTC \d{4}\r\nadmin@garrison: $/);
    shell.send('system sanit\x03');
    await shell.waitFor(/\^C\r\nadmin@garrison: $/);
    shell.send('system vers\t');
    await shell.waitFor(/system version $/);
    shell.send('\r');
    await shell.waitFor(/Version: [\s\S]*admin@garrison: $/);
    shell.send('bogus\r');
    await shell.waitFor(/Unknown command: bogus[\s\S]*admin@garrison: $/);
    shell.send('exit\r');
    assert.equal(await shell.closed(), 0);
  } finally {
    shell.kill();
  }
});
