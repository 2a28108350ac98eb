/**
 * API tokens: created by an admin and shown once, stored hashed, listed without
 * secrets, usable as Bearer credentials within their role, refused once revoked,
 * expired, or above their creator's current role.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, createApiToken, signIn, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());

function tokens() {
  return testConsole.garrison.database().db.collection<{ _id: string; expiresAt: Date }>('apiTokens');
}

test('a token is shown once, stored as a hash, and listed without its secret', async () => {
  const created = await api<{ token: string; apiToken: { id: string; status: string; role: string } }>(testConsole, 'POST', '/api-tokens', {
    headers: admin.headers,
    body: { name: 'SIEM export', role: 'read-only', expiresInDays: 90 },
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers['cache-control'], 'no-store');
  assert.match(created.body.token, /^gat_[a-f0-9]{24}_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.body.apiToken.status, 'active');
  const secret = created.body.token.split('_').slice(2).join('_');

  const list = await api(testConsole, 'GET', '/api-tokens', { headers: admin.headers });
  assert.equal(list.status, 200);
  assert.ok(list.text.includes(created.body.apiToken.id));
  assert.ok(!list.text.includes(secret), 'the list never shows the secret');
  assert.doesNotMatch(list.text, /secretHash/);
  const stored = await tokens().findOne({ _id: created.body.apiToken.id });
  assert.ok(stored && !JSON.stringify(stored).includes(secret), 'the database holds a hash, not the secret');
});

test('a token acts within its role, without CSRF, and reports itself in /auth/me', async () => {
  const readOnly = await createApiToken(testConsole, 'read-only');
  const me = await api<{ authenticatedBy: string; csrfToken: null; role: string }>(testConsole, 'GET', '/auth/me', { headers: readOnly.headers });
  assert.equal(me.status, 200);
  assert.deepEqual([me.body.authenticatedBy, me.body.csrfToken, me.body.role], ['token', null, 'read-only']);
  assert.equal((await api(testConsole, 'GET', '/users', { headers: readOnly.headers })).status, 403);
  assert.equal((await api(testConsole, 'GET', '/audit', { headers: readOnly.headers })).status, 403);

  const adminToken = await createApiToken(testConsole, 'admin');
  assert.equal((await api(testConsole, 'GET', '/users', { headers: adminToken.headers })).status, 200);
  assert.equal((await api(testConsole, 'POST', '/auth/sign-out', { headers: adminToken.headers })).status, 400, 'tokens have no session to end');
});

test('tokens cannot mint tokens', async () => {
  const adminToken = await createApiToken(testConsole, 'admin');
  const response = await api(testConsole, 'POST', '/api-tokens', { headers: adminToken.headers, body: { name: 'child', role: 'read-only', expiresInDays: 1 } });
  assert.equal(response.status, 403);
  assert.match(response.text, /browser session/);
});

test('a revoked token is refused at once', async () => {
  const token = await createApiToken(testConsole, 'read-only');
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: token.headers })).status, 200);
  const revoked = await api<{ status: string }>(testConsole, 'DELETE', `/api-tokens/${token.id}`, { headers: admin.headers });
  assert.equal(revoked.status, 200);
  assert.equal(revoked.body.status, 'revoked');
  const refused = await api(testConsole, 'GET', '/auth/me', { headers: token.headers });
  assert.equal(refused.status, 401);
  assert.match(refused.text, /revoked/);
  assert.equal((await api(testConsole, 'DELETE', `/api-tokens/${token.id}`, { headers: admin.headers })).status, 200, 'revoking twice is harmless');
  assert.equal((await api(testConsole, 'DELETE', `/api-tokens/${'0'.repeat(24)}`, { headers: admin.headers })).status, 404);
});

test('an expired token is refused', async () => {
  const token = await createApiToken(testConsole, 'read-only', 1);
  await tokens().updateOne({ _id: token.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const refused = await api(testConsole, 'GET', '/auth/me', { headers: token.headers });
  assert.equal(refused.status, 401);
  assert.match(refused.text, /expired/);
  const list = await api<{ apiTokens: { id: string; status: string }[] }>(testConsole, 'GET', '/api-tokens', { headers: admin.headers });
  assert.equal(list.body.apiTokens.find((item) => item.id === token.id)?.status, 'expired');
});

test('expiry is required and at most 365 days', async () => {
  for (const expiresInDays of [0, 366, 1.5]) {
    const response = await api(testConsole, 'POST', '/api-tokens', { headers: admin.headers, body: { name: 'x', role: 'read-only', expiresInDays } });
    assert.equal(response.status, 400, String(expiresInDays));
    assert.match(response.text, /expiresInDays/);
  }
  assert.equal((await api(testConsole, 'POST', '/api-tokens', { headers: admin.headers, body: { name: 'x', role: 'read-only' } })).status, 400);
});

test('malformed and forged tokens are refused alike', async () => {
  const real = await createApiToken(testConsole, 'read-only');
  const forged = `${real.token.slice(0, -4)}AAAA`;
  for (const authorization of [`Bearer ${forged}`, 'Bearer gat_nonsense', `Bearer gat_${'a'.repeat(24)}_${'B'.repeat(43)}`]) {
    const response = await api(testConsole, 'GET', '/auth/me', { headers: { authorization } });
    assert.equal(response.status, 401, authorization);
    assert.match(response.text, /not valid/);
  }
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: { authorization: 'Basic YWRtaW46eA==' } })).status, 401);
});

test("a token stops working when its creator's role falls below it, or the creator is deleted", async () => {
  const password = 'second admin password 1';
  const created = await api<{ id: string }>(testConsole, 'POST', '/users', {
    headers: admin.headers,
    body: { username: 'deputy', role: 'admin', password, mustChangePassword: false },
  });
  const deputy = await signIn(testConsole, 'deputy', password);
  const deputyToken = async (name: string, role: string) => {
    const response = await api<{ token: string }>(testConsole, 'POST', '/api-tokens', { headers: deputy.headers, body: { name, role, expiresInDays: 30 } });
    assert.equal(response.status, 201);
    return { authorization: `Bearer ${response.body.token}` };
  };
  const headers = await deputyToken('deputy script', 'admin');
  const analystHeaders = await deputyToken('deputy read', 'read-only');
  assert.equal((await api(testConsole, 'GET', '/users', { headers })).status, 200);

  await api(testConsole, 'PATCH', `/users/${created.body.id}`, { headers: admin.headers, body: { role: 'security-analyst' } });
  const refused = await api(testConsole, 'GET', '/auth/me', { headers });
  assert.equal(refused.status, 401);
  assert.match(refused.text, /above its creator's current role/);
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: analystHeaders })).status, 200, 'a read-only token is still within an analyst');

  assert.equal((await api(testConsole, 'DELETE', `/users/${created.body.id}`, { headers: admin.headers })).status, 204);
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: analystHeaders })).status, 401);
  const list = await api<{ apiTokens: { createdBy: { username: string }; status: string }[] }>(testConsole, 'GET', '/api-tokens', { headers: admin.headers });
  assert.ok(list.body.apiTokens.filter((token) => token.createdBy.username === 'deputy').every((token) => token.status === 'revoked'));
});

test('creating and revoking tokens is audited without the secret', async () => {
  const token = await createApiToken(testConsole, 'read-only');
  await api(testConsole, 'DELETE', `/api-tokens/${token.id}`, { headers: admin.headers });
  const records = await api(testConsole, 'GET', '/audit?action=api-token.*&limit=500', { headers: admin.headers });
  assert.ok(records.text.includes(`"id":"${token.id}"`));
  assert.match(records.text, /api-token\.created/);
  assert.match(records.text, /api-token\.revoked/);
  assert.ok(!records.text.includes(token.token.slice('gat_'.length + 25)), 'no secret in the audit trail');
});
