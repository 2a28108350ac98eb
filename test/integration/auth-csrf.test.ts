/**
 * CSRF protection for cookie sessions: state-changing requests need the
 * session's x-csrf-token and, when the browser sends an Origin, our own origin.
 * Sign-in is exempt from the token but not from the Origin check; API tokens are
 * exempt from both.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, createApiToken, postSignIn, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;
let ownOrigin: string;
const FOREIGN_ORIGIN = 'https://attacker.example';

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
  ownOrigin = `https://127.0.0.1:${testConsole.httpsPort}`;
});
after(() => testConsole.destroy());

let counter = 0;
function newUser() {
  counter += 1;
  return { username: `csrf-user-${counter}`, role: 'read-only', password: 'copper kettle on the hill' };
}

function errorCode(body: unknown): string | undefined {
  return (body as { error?: { code: string } }).error?.code;
}

test('a state-changing request with the cookie but no CSRF token is refused', async () => {
  const response = await api(testConsole, 'POST', '/users', { headers: { cookie: admin.cookie }, body: newUser() });
  assert.equal(response.status, 403);
  assert.equal(errorCode(response.body), 'csrf_failed');
  assert.match(response.text, /x-csrf-token/);
});

test('a wrong CSRF token is refused', async () => {
  const response = await api(testConsole, 'POST', '/users', { headers: { cookie: admin.cookie, 'x-csrf-token': 'x'.repeat(43) }, body: newUser() });
  assert.equal(response.status, 403);
  assert.equal(errorCode(response.body), 'csrf_failed');
});

test("another session's CSRF token is refused", async () => {
  const other = await signInAsAdmin(testConsole);
  const response = await api(testConsole, 'POST', '/users', { headers: { cookie: admin.cookie, 'x-csrf-token': other.csrfToken }, body: newUser() });
  assert.equal(response.status, 403);
});

test('a foreign Origin is refused even with the right token', async () => {
  const response = await api(testConsole, 'POST', '/users', { headers: { ...admin.headers, origin: FOREIGN_ORIGIN }, body: newUser() });
  assert.equal(response.status, 403);
  assert.equal(errorCode(response.body), 'csrf_failed');
  assert.match(response.text, /another site/);
});

test('our own Origin with the right token is accepted', async () => {
  const response = await api(testConsole, 'POST', '/users', { headers: { ...admin.headers, origin: ownOrigin }, body: newUser() });
  assert.equal(response.status, 201);
});

test('PUT, PATCH and DELETE need the token too; GET does not', async () => {
  const created = await api<{ id: string }>(testConsole, 'POST', '/users', { headers: admin.headers, body: newUser() });
  const cookieOnly = { cookie: admin.cookie };
  assert.equal((await api(testConsole, 'PATCH', `/users/${created.body.id}`, { headers: cookieOnly, body: { displayName: 'x' } })).status, 403);
  assert.equal((await api(testConsole, 'DELETE', `/users/${created.body.id}`, { headers: cookieOnly })).status, 403);
  assert.equal((await api(testConsole, 'PUT', '/auth/lockout-policy', { headers: cookieOnly, body: { maxFailedLogins: 5, windowMinutes: 15, lockMinutes: 15 } })).status, 403);
  assert.equal((await api(testConsole, 'GET', `/users/${created.body.id}`, { headers: cookieOnly })).status, 200);
});

test('sign-out needs the token (no forced sign-out from another site)', async () => {
  const response = await api(testConsole, 'POST', '/auth/sign-out', { headers: { cookie: admin.cookie } });
  assert.equal(response.status, 403);
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: admin.headers })).status, 200);
});

test('sign-in needs no token but refuses a foreign Origin (login CSRF)', async () => {
  const foreign = await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD, { origin: FOREIGN_ORIGIN });
  assert.equal(foreign.status, 403);
  assert.equal(errorCode(foreign.body), 'csrf_failed');
  assert.equal(foreign.headers['set-cookie'], undefined);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD, { origin: ownOrigin })).status, 200);
  assert.equal((await postSignIn(testConsole, 'admin', TEST_ADMIN_PASSWORD)).status, 200);
});

test('API tokens need neither the CSRF token nor an Origin check', async () => {
  const token = await createApiToken(testConsole, 'admin');
  const response = await api(testConsole, 'POST', '/users', { headers: token.headers, body: newUser() });
  assert.equal(response.status, 201);
});
