/**
 * Key-based sign-in to the SSH CLI with the real OpenSSH client and keys made
 * by ssh-keygen: keys registered through the API (own keys, and an admin for
 * another user) sign in; unregistered, removed and weak keys do not; every
 * outcome is audited; refused keys count towards the same lockout as
 * passwords. Also GET /api/v1/cli/host-key against what ssh-keyscan sees.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../helpers/free-ports.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

const run = promisify(execFile);

let testConsole: TestConsole;
let admin: SignedIn;
let directory: string;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-ssh-keys-'));
});
after(async () => {
  await testConsole.destroy();
  await rm(directory, { recursive: true, force: true });
});

interface KeyPair {
  privateKeyFile: string;
  publicKey: string;
  fingerprint: string;
}

async function keyPair(name: string, type: string, bits?: number): Promise<KeyPair> {
  const privateKeyFile = path.join(directory, name);
  await run('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@test-laptop`, '-f', privateKeyFile]);
  const publicKey = (await readFile(`${privateKeyFile}.pub`, 'utf8')).trim();
  const fingerprint = /(SHA256:\S+)/.exec((await run('ssh-keygen', ['-lf', `${privateKeyFile}.pub`])).stdout)?.[1] ?? '';
  return { privateKeyFile, publicKey, fingerprint };
}

interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ssh -i key` with public key authentication only: no password, no prompt. */
function sshWithKey(username: string, key: KeyPair, command: string): Promise<SshResult> {
  const child = spawn('ssh', [
    '-F', '/dev/null',
    '-i', key.privateKeyFile,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'PubkeyAuthentication=yes',
    '-o', 'PasswordAuthentication=no',
    '-o', 'KbdInteractiveAuthentication=no',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    '-p', String(testConsole.sshPort),
    '-T',
    `${username}@127.0.0.1`,
    command,
  ]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ssh timed out; stderr: ${stderr}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface KeyView {
  id: string;
  type: string;
  fingerprint: string;
  comment: string;
}

interface AuditRow {
  action: string;
  actor: { name: string };
  outcome: string;
  reason: string | null;
  sourceAddress: string | null;
}

function signInRecords() {
  return testConsole.garrison.database().db.collection<AuditRow>('auditRecords').find({ action: 'auth.sign-in' }).sort({ _id: -1 }).toArray();
}

test('GET /cli/host-key shows the fingerprint ssh-keyscan sees', async () => {
  const response = await api<{ algorithm: string; fingerprint: string; port: number }>(testConsole, 'GET', '/cli/host-key', { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.algorithm, 'ED25519');
  assert.equal(response.body.port, testConsole.sshPort);
  const scanned = await run('sh', ['-c', `ssh-keyscan -t ed25519 -p ${testConsole.sshPort} 127.0.0.1 2>/dev/null | ssh-keygen -lf -`]);
  assert.ok(scanned.stdout.includes(response.body.fingerprint), scanned.stdout);
});

test('a registered ed25519 key signs in; an unregistered one is refused and audited', async () => {
  const registered = await keyPair('admin-ed25519', 'ed25519');
  const stranger = await keyPair('stranger-ed25519', 'ed25519');
  const added = await api<KeyView>(testConsole, 'POST', '/users/me/ssh-keys', { headers: admin.headers, body: { publicKey: registered.publicKey } });
  assert.equal(added.status, 201, added.text);
  assert.equal(added.body.type, 'ssh-ed25519');
  assert.equal(added.body.fingerprint, registered.fingerprint);
  assert.equal(added.body.comment, 'admin-ed25519@test-laptop');

  const listed = await api<{ sshKeys: KeyView[] }>(testConsole, 'GET', '/users/me/ssh-keys', { headers: admin.headers });
  assert.deepEqual(listed.body.sshKeys.map((key) => key.fingerprint), [registered.fingerprint]);

  const started = performance.now();
  const signedIn = await sshWithKey('admin', registered, 'system version');
  console.log(`ssh exec with an ed25519 key (connect, key exchange, key sign-in, command): ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(signedIn.code, 0, signedIn.stderr);
  assert.match(signedIn.stdout, /^Version: /m);
  const [success] = await signInRecords();
  assert.equal(success?.outcome, 'success');
  assert.equal(success?.actor.name, 'admin');
  assert.match(success?.reason ?? '', new RegExp(`via ssh public key ${registered.fingerprint.replace(/[+/]/g, '\\$&')}`));

  const refused = await sshWithKey('admin', stranger, 'system version');
  assert.equal(refused.code, 255);
  assert.match(refused.stderr, /Permission denied \(publickey,password\)/);
  assert.equal(refused.stdout, '');
  // The refusal is recorded when the connection closes.
  await waitFor(async () => (await signInRecords())[0]?.reason === 'no registered key offered (via ssh public key)', 10_000, () => 'the refused key to be audited');
  assert.equal((await signInRecords())[0]?.outcome, 'failure');
});

test('weak, private, foreign-format and duplicate keys are refused naming the field', async () => {
  const rsa1024 = await keyPair('small-rsa', 'rsa', 1024);
  const ecdsa = await keyPair('laptop-ecdsa', 'ecdsa', 256);
  const rsa3072 = await keyPair('laptop-rsa', 'rsa', 3072);
  const cases: [unknown, number, RegExp][] = [
    [{ publicKey: rsa1024.publicKey }, 400, /1024 bits; at least 2048/],
    [{ publicKey: await readFile(rsa3072.privateKeyFile, 'utf8') }, 400, /private key/],
    [{ publicKey: 'ssh-ed25519 not-base64 me' }, 400, /Not an OpenSSH public key/],
    [{}, 400, /publicKey/],
    [{ publicKey: ecdsa.publicKey, role: 'admin' }, 400, /role|Unrecognized/i],
  ];
  for (const [body, status, reason] of cases) {
    const response = await api(testConsole, 'POST', '/users/me/ssh-keys', { headers: admin.headers, body });
    assert.equal(response.status, status, response.text);
    assert.match(response.text, reason);
    assert.match(response.text, /"path":"publicKey"|"path":""|role/, response.text);
  }
  for (const key of [ecdsa, rsa3072]) {
    const added = await api<KeyView>(testConsole, 'POST', '/users/me/ssh-keys', { headers: admin.headers, body: { publicKey: key.publicKey } });
    assert.equal(added.status, 201, added.text);
    assert.equal(added.body.fingerprint, key.fingerprint);
    const signedIn = await sshWithKey('admin', key, 'date');
    assert.equal(signedIn.code, 0, `${key.fingerprint}: ${signedIn.stderr}`);
  }
  const duplicate = await api(testConsole, 'POST', '/users/me/ssh-keys', { headers: admin.headers, body: { publicKey: ecdsa.publicKey } });
  assert.equal(duplicate.status, 409, duplicate.text);
});

test("an admin manages another user's keys; that user signs in with theirs and cannot touch others'", async () => {
  const analyst = await signInAs(testConsole, 'security-analyst');
  const key = await keyPair('analyst-ed25519', 'ed25519');
  const added = await api<KeyView>(testConsole, 'POST', `/users/${analyst.userId}/ssh-keys`, { headers: admin.headers, body: { publicKey: key.publicKey } });
  assert.equal(added.status, 201, added.text);
  const own = await api<{ sshKeys: KeyView[] }>(testConsole, 'GET', '/users/me/ssh-keys', { headers: analyst.headers });
  assert.deepEqual(own.body.sshKeys.map((entry) => entry.fingerprint), [key.fingerprint]);

  const signedIn = await sshWithKey(analyst.username, key, 'system version');
  assert.equal(signedIn.code, 0, signedIn.stderr);
  // The key is the analyst's, not the admin's.
  const asAdmin = await sshWithKey('admin', key, 'system version');
  assert.equal(asAdmin.code, 255);
  // Role checks still apply to a key sign-in.
  const forbidden = await sshWithKey(analyst.username, key, 'users password-reset -u admin -p whatever-password-123');
  assert.notEqual(forbidden.code, 0);
  assert.match(forbidden.stderr, /does not allow "users password-reset"/);

  const adminId = (await api<{ user: { id: string } }>(testConsole, 'GET', '/auth/me', { headers: admin.headers })).body.user.id;
  for (const [method, apiPath] of [['GET', `/users/${adminId}/ssh-keys`], ['POST', `/users/${adminId}/ssh-keys`], ['DELETE', `/users/${adminId}/ssh-keys/${added.body.id}`]] as const) {
    const response = await api(testConsole, method, apiPath, { headers: analyst.headers, ...(method === 'POST' ? { body: { publicKey: key.publicKey } } : {}) });
    assert.equal(response.status, 403, `${method} ${apiPath}: ${response.text}`);
  }

  const removed = await api(testConsole, 'DELETE', `/users/me/ssh-keys/${added.body.id}`, { headers: analyst.headers });
  assert.equal(removed.status, 204, removed.text);
  const afterRemoval = await sshWithKey(analyst.username, key, 'system version');
  assert.equal(afterRemoval.code, 255);
  const audited = await testConsole.garrison.database().db.collection<AuditRow>('auditRecords').find({ action: { $in: ['user.ssh-key-added', 'user.ssh-key-removed'] } }).toArray();
  assert.ok(audited.some((record) => record.action === 'user.ssh-key-removed' && record.actor.name === analyst.username));
});

// Last: it locks 127.0.0.1 out of this console.
test('refused keys count towards the lockout, and a locked address cannot sign in with a registered key', async () => {
  const registered = await keyPair('lockout-registered', 'ed25519');
  const added = await api(testConsole, 'POST', '/users/me/ssh-keys', { headers: admin.headers, body: { publicKey: registered.publicKey } });
  assert.equal(added.status, 201, added.text);
  const stranger = await keyPair('lockout-stranger', 'ed25519');
  const locked = () => testConsole.garrison.database().db.collection('signInLocks').countDocuments({ _id: '127.0.0.1' as never });
  for (let attempt = 1; attempt <= 10 && (await locked()) === 0; attempt += 1) {
    const refused = await sshWithKey('admin', stranger, 'date');
    assert.equal(refused.code, 255);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  await waitFor(async () => (await locked()) === 1, 10_000, () => 'the address to be locked out');
  const lockedOut = await testConsole.garrison.database().db.collection<AuditRow>('auditRecords').findOne({ action: 'auth.locked-out' });
  assert.match(lockedOut?.reason ?? '', /failed sign-ins/);

  const refused = await sshWithKey('admin', registered, 'date');
  assert.equal(refused.code, 255, refused.stdout);
});
