/**
 * Sign-in sessions end to end: the first admin's one-time password and forced
 * change, the cookie's attributes, new ids at every sign-in, sign-out (here and
 * everywhere), idle and absolute timeouts (by moving the stored times back, the
 * same rule the unit tests check with a fake clock), and lastSeenAt throttling.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, postSignIn, sessionFrom, signIn, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';

let testConsole: TestConsole;
let initialPassword: string;

before(async () => {
  testConsole = await startTestConsole();
  initialPassword = (await readFile(path.join(testConsole.dataDir, 'initial-admin-password'), 'utf8')).trim();
});
after(() => testConsole.destroy());

function sessions() {
  return testConsole.garrison.database().db.collection<{ _id: string; createdAt: Date; lastSeenAt: Date }>('sessions');
}

describe('first admin', () => {
  test('the one-time password is in a 0600 file named in the log, and is never logged', async () => {
    const file = path.join(testConsole.dataDir, 'initial-admin-password');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.ok(initialPassword.length >= 20);
    assert.ok(testConsole.logs.some((line) => line.includes(file)), 'the log names the file');
    assert.ok(!testConsole.logs.some((line) => line.includes(initialPassword)), 'the log never holds the password');
  });

  test('sign-in sets a hardened cookie, returns a CSRF token and no secrets', async () => {
    const response = await postSignIn(testConsole, 'admin', initialPassword);
    assert.equal(response.status, 200);
    const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    assert.equal(setCookie.length, 1);
    const attributes = setCookie[0]!.split(';').map((part) => part.trim());
    assert.match(attributes[0]!, /^garrison_session=[A-Za-z0-9_-]{43}$/);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(attributes.includes(attribute), attribute);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.body as { mustChangePassword: boolean; csrfToken: string; role: string; permissions: string[] };
    assert.equal(body.mustChangePassword, true);
    assert.equal(body.role, 'admin');
    assert.ok(body.permissions.includes('users:manage'));
    assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(response.text, /argon2|passwordHash/);

    // The database keeps the SHA-256 of the cookie value, never the value itself.
    const cookieValue = attributes[0]!.slice('garrison_session='.length);
    const stored = await sessions().findOne({ _id: createHash('sha256').update(cookieValue).digest('hex') });
    assert.ok(stored, 'session stored under the hash of its id');
    assert.equal(await sessions().countDocuments({ _id: cookieValue }), 0);
  });

  test('until the password is changed only me, change-password and sign-out work', async () => {
    const session = sessionFrom(await postSignIn(testConsole, 'admin', initialPassword));
    const refused = await api(testConsole, 'GET', '/users', { headers: session.headers });
    assert.equal(refused.status, 403);
    assert.deepEqual((refused.body as { error: { code: string } }).error.code, 'forbidden');
    assert.match(refused.text, /password must be changed first/);
    assert.equal((await api(testConsole, 'GET', '/audit', { headers: session.headers })).status, 403);
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: session.headers })).status, 200);
    assert.equal((await api(testConsole, 'GET', '/health', { headers: session.headers })).status, 200);

    const weak = await api(testConsole, 'POST', '/auth/change-password', {
      headers: session.headers,
      body: { currentPassword: initialPassword, newPassword: 'short' },
    });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /at least 12 characters/);
    assert.match(weak.text, /newPassword/);

    const wrongCurrent = await api(testConsole, 'POST', '/auth/change-password', {
      headers: session.headers,
      body: { currentPassword: 'not the password', newPassword: TEST_ADMIN_PASSWORD },
    });
    assert.equal(wrongCurrent.status, 400);
    assert.match(wrongCurrent.text, /current password is not correct/);

    const changed = await api<{ mustChangePassword: boolean }>(testConsole, 'POST', '/auth/change-password', {
      headers: session.headers,
      body: { currentPassword: initialPassword, newPassword: TEST_ADMIN_PASSWORD },
    });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.mustChangePassword, false);
    // The session that changed the password goes on; the one-time password file is gone.
    assert.equal((await api(testConsole, 'GET', '/users', { headers: session.headers })).status, 200);
    await assert.rejects(stat(path.join(testConsole.dataDir, 'initial-admin-password')), { code: 'ENOENT' });
    assert.equal((await postSignIn(testConsole, 'admin', initialPassword)).status, 401);
  });
});

describe('sessions', () => {
  test('every sign-in gets a new id and ends the session the browser had', async () => {
    const first = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const second = sessionFrom(await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD, { cookie: first.cookie }));
    assert.notEqual(second.cookie, first.cookie);
    assert.notEqual(second.csrfToken, first.csrfToken);
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: first.headers })).status, 401);
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: second.headers })).status, 200);
  });

  test('a wrong password and an unknown user get the same answer', async () => {
    const wrong = await postSignIn(testConsole, 'admin', 'wrong password here');
    const unknown = await postSignIn(testConsole, 'nobody-here', 'wrong password here');
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.headers['set-cookie'], undefined);
    // Clear the two failures so later tests start with a clean count.
    await testConsole.garrison.database().db.collection('signInFailures').deleteMany({});
  });

  test('sign-out ends this session and clears the cookie', async () => {
    const session = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const out = await api(testConsole, 'POST', '/auth/sign-out', { headers: session.headers });
    assert.equal(out.status, 204);
    assert.match(String(out.headers['set-cookie']), /garrison_session=;.*Max-Age=0/);
    const after = await api(testConsole, 'GET', '/auth/me', { headers: session.headers });
    assert.equal(after.status, 401);
    assert.match(after.text, /session has ended/);
  });

  test('sign-out-everywhere ends every session of the user', async () => {
    const laptop = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const desktop = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const out = await api<{ endedSessions: number }>(testConsole, 'POST', '/auth/sign-out-everywhere', { headers: laptop.headers });
    assert.equal(out.status, 200);
    assert.ok(out.body.endedSessions >= 2);
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: desktop.headers })).status, 401);
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: laptop.headers })).status, 401);
  });

  test('a session unused for the idle timeout (30 min) ends', async () => {
    const session = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const id = createHash('sha256').update(session.cookie.split('=')[1]!).digest('hex');
    await sessions().updateOne({ _id: id }, { $set: { lastSeenAt: new Date(Date.now() - 29 * 60_000) } });
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: session.headers })).status, 200, 'still within 30 minutes');
    await sessions().updateOne({ _id: id }, { $set: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    const expired = await api(testConsole, 'GET', '/auth/me', { headers: session.headers });
    assert.equal(expired.status, 401);
    assert.match(String(expired.headers['set-cookie']), /Max-Age=0/);
    assert.equal(await sessions().countDocuments({ _id: id }), 0, 'the expired session is deleted');
  });

  test('a busy session still ends at the absolute timeout (12 h)', async () => {
    const session = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const id = createHash('sha256').update(session.cookie.split('=')[1]!).digest('hex');
    await sessions().updateOne({ _id: id }, { $set: { createdAt: new Date(Date.now() - 12 * 3600_000 - 1000), lastSeenAt: new Date() } });
    assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: session.headers })).status, 401);
  });

  test('lastSeenAt is written at most once a minute', async () => {
    const session = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const id = createHash('sha256').update(session.cookie.split('=')[1]!).digest('hex');
    const signedInAt = (await sessions().findOne({ _id: id }))!.lastSeenAt;
    await api(testConsole, 'GET', '/auth/me', { headers: session.headers });
    assert.deepEqual((await sessions().findOne({ _id: id }))!.lastSeenAt, signedInAt, 'no write within the minute');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await sessions().updateOne({ _id: id }, { $set: { lastSeenAt: twoMinutesAgo } });
    await api(testConsole, 'GET', '/auth/me', { headers: session.headers });
    assert.ok((await sessions().findOne({ _id: id }))!.lastSeenAt.getTime() > twoMinutesAgo.getTime() + 60_000);
  });

  test('/auth/me reports the session and its end', async () => {
    const session = await signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
    const me = await api<{ csrfToken: string; authenticatedBy: string; session: { endsAt: string; idleTimeoutSeconds: number } }>(
      testConsole,
      'GET',
      '/auth/me',
      { headers: { cookie: session.cookie } },
    );
    assert.equal(me.status, 200);
    assert.equal(me.body.csrfToken, session.csrfToken);
    assert.equal(me.body.authenticatedBy, 'session');
    assert.equal(me.body.session.idleTimeoutSeconds, 1800);
    assert.ok(new Date(me.body.session.endsAt).getTime() > Date.now() + 29 * 60_000);
  });
});
