/**
 * Failed sign-in lockout: after MAX_FAILED_LOGINS failures from one address in
 * the window, sign-ins from it are refused with 429 (correct passwords too)
 * until the lock period ends; failures older than the window do not count; the
 * policy is an admin setting within 5–100. Every test starts with no failures
 * and no locks, since all requests come from 127.0.0.1.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, postSignIn, signInAs, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());
beforeEach(async () => {
  const db = testConsole.garrison.database().db;
  await db.collection('signInFailures').deleteMany({});
  await db.collection('signInLocks').deleteMany({});
  await api(testConsole, 'PUT', '/auth/lockout-policy', { headers: admin.headers, body: { maxFailedLogins: 5, windowMinutes: 15, lockMinutes: 15 } });
});

async function fail(times: number, username = 'admin'): Promise<number[]> {
  const statuses: number[] = [];
  for (let index = 0; index < times; index += 1) statuses.push((await postSignIn(testConsole, username, `wrong password ${index}`)).status);
  return statuses;
}

test('five failures lock the address; then even the right password gets 429 with a time to retry', async () => {
  assert.deepEqual(await fail(3), [401, 401, 401]);
  assert.deepEqual(await fail(2, 'no-such-user'), [401, 401], 'unknown user names count the same');
  const locked = await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
  assert.equal(locked.status, 429);
  const body = locked.body as { error: { code: string; message: string; details: { retryAfterSeconds: number } } };
  assert.equal(body.error.code, 'locked_out');
  assert.match(body.error.message, /Try again after \d\d:\d\d UTC \(in 15 minutes\)/);
  assert.ok(Number(locked.headers['retry-after']) > 14 * 60);
  assert.equal(locked.headers['set-cookie'], undefined);
  // Sessions from before the lock keep working: the lock is about signing in.
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: admin.headers })).status, 200);
});

test('the lockout is audited once, and every refused attempt is audited', async () => {
  await fail(5);
  await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
  const lockouts = await api<{ records: { reason: string; target: { id: string } }[] }>(testConsole, 'GET', '/audit?action=auth.locked-out&limit=1', { headers: admin.headers });
  assert.match(lockouts.body.records[0]!.reason, /5 failed sign-ins within 15 minutes/);
  assert.equal(lockouts.body.records[0]!.target.id, '127.0.0.1');
  const attempts = await api<{ records: { outcome: string; reason: string }[] }>(testConsole, 'GET', '/audit?action=auth.sign-in&limit=6', { headers: admin.headers });
  assert.deepEqual(
    attempts.body.records.map((record) => record.reason),
    ['source address locked out (via web)', ...Array(5).fill('wrong password (via web)')],
  );
});

test('a wrong password and an unknown user look the same, before and after the lock', async () => {
  const [wrong, unknown] = [await postSignIn(testConsole, 'admin', 'nope nope nope'), await postSignIn(testConsole, 'ghost', 'nope nope nope')];
  assert.equal(wrong.status, unknown.status);
  assert.deepEqual(wrong.body, unknown.body);
  await fail(3);
  const [lockedWrong, lockedUnknown] = [await postSignIn(testConsole, 'admin', 'x'), await postSignIn(testConsole, 'ghost', 'x')];
  assert.equal(lockedWrong.status, 429);
  assert.equal((lockedWrong.body as { error: { code: string } }).error.code, (lockedUnknown.body as { error: { code: string } }).error.code);
});

test('failures older than the window do not count', async () => {
  await fail(4);
  const db = testConsole.garrison.database().db;
  await db.collection('signInFailures').updateMany({}, { $set: { at: new Date(Date.now() - 16 * 60_000) } });
  assert.deepEqual(await fail(4), [401, 401, 401, 401]);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 200, 'only four failures in the window');
});

test('a success clears the count, and the lock ends after its period', async () => {
  await fail(4);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 200);
  assert.deepEqual(await fail(4), [401, 401, 401, 401], 'counting starts again after a success');
  await fail(1);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 429);
  const db = testConsole.garrison.database().db;
  await db.collection('signInLocks').updateMany({}, { $set: { lockedUntil: new Date(Date.now() - 1000) } });
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 200);
});

test('admins edit the policy within 5–100; others may not', async () => {
  const tooLow = await api(testConsole, 'PUT', '/auth/lockout-policy', { headers: admin.headers, body: { maxFailedLogins: 4, windowMinutes: 15, lockMinutes: 15 } });
  assert.equal(tooLow.status, 400);
  assert.match(tooLow.text, /maxFailedLogins: must be at least 5/);
  assert.equal(
    (await api(testConsole, 'PUT', '/auth/lockout-policy', { headers: admin.headers, body: { maxFailedLogins: 101, windowMinutes: 15, lockMinutes: 15 } })).status,
    400,
  );
  const analyst = await signInAs(testConsole, 'security-analyst');
  assert.equal((await api(testConsole, 'GET', '/auth/lockout-policy', { headers: analyst.headers })).status, 403);

  const saved = await api<{ maxFailedLogins: number; updatedBy: string }>(testConsole, 'PUT', '/auth/lockout-policy', {
    headers: admin.headers,
    body: { maxFailedLogins: 7, windowMinutes: 30, lockMinutes: 5 },
  });
  assert.equal(saved.status, 200);
  assert.equal(saved.body.updatedBy, 'admin');
  assert.deepEqual(await fail(6), [401, 401, 401, 401, 401, 401]);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 200, 'six of seven allowed failures');
  await fail(7);
  const locked = await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
  assert.equal(locked.status, 429);
  assert.match(locked.text, /in 5 minutes/);
});
