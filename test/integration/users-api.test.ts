/**
 * The users API: create with a validated name and password policy, case-blind
 * uniqueness, updates, password reset, disable and delete, and the rules that
 * keep the console manageable (not yourself, not the last admin).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, postSignIn, sessionFrom, signIn, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;
const PASSWORD = 'copper kettle on the hill';

interface UserView {
  id: string;
  username: string;
  role: string;
  scope: { siteIds: string[]; zoneIds: string[] } | null;
  mustChangePassword: boolean;
  disabled: boolean;
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());

async function createUser(body: Record<string, unknown>) {
  return api<UserView>(testConsole, 'POST', '/users', { headers: admin.headers, body: { password: PASSWORD, role: 'read-only', ...body } });
}

test('create a user: validated, must change the password, never shows a hash', async () => {
  const created = await createUser({ username: 'Operator.One', displayName: 'Operator One', role: 'security-analyst', scope: { siteIds: ['site-a'], zoneIds: [] } });
  assert.equal(created.status, 201);
  assert.equal(created.body.username, 'Operator.One');
  assert.equal(created.body.mustChangePassword, true);
  assert.deepEqual(created.body.scope, { siteIds: ['site-a'], zoneIds: [] });
  assert.doesNotMatch(created.text, /argon2|passwordHash/);
  const list = await api(testConsole, 'GET', '/users', { headers: admin.headers });
  assert.match(list.text, /Operator\.One/);
  assert.doesNotMatch(list.text, /argon2|passwordHash/);
});

test('user names are unique whatever their case', async () => {
  assert.equal((await createUser({ username: 'casey' })).status, 201);
  const duplicate = await createUser({ username: 'CASEY' });
  assert.equal(duplicate.status, 409);
  assert.match(duplicate.text, /already exists/);
});

test('bad user names and weak passwords are refused with a sentence naming the field', async () => {
  const badName = await createUser({ username: 'no spaces allowed' });
  assert.equal(badName.status, 400);
  assert.match(badName.text, /username: must be 3 to 32 letters/);
  const short = await createUser({ username: 'shorty', password: 'tooshort' });
  assert.equal(short.status, 400);
  assert.match(short.text, /at least 12 characters/);
  const common = await createUser({ username: 'commoner', password: 'Password1234!' });
  assert.match(common.text, /attackers try/);
  const ownName = await createUser({ username: 'selfnamed.user', password: 'selfnamed.user1' });
  assert.match(ownName.text, /must not be the user name/);
  const unknownField = await createUser({ username: 'extra-field', isRoot: true });
  assert.equal(unknownField.status, 400);
});

test('update role, scope and display name; the change is audited with before and after', async () => {
  const created = await createUser({ username: 'changeling' });
  const updated = await api<UserView>(testConsole, 'PATCH', `/users/${created.body.id}`, {
    headers: admin.headers,
    body: { role: 'security-analyst', displayName: 'Changed', scope: null },
  });
  assert.equal(updated.status, 200);
  assert.equal(updated.body.role, 'security-analyst');
  const audit = await api<{ records: { before: { role: string }; after: { role: string } }[] }>(
    testConsole,
    'GET',
    `/audit?action=user.updated&target=${created.body.id}`,
    { headers: admin.headers },
  );
  assert.equal(audit.body.records[0]?.before.role, 'read-only');
  assert.equal(audit.body.records[0]?.after.role, 'security-analyst');
  assert.equal((await api(testConsole, 'PATCH', `/users/${created.body.id}`, { headers: admin.headers, body: {} })).status, 400);
});

test('disabling a user signs them out and refuses their sign-in (after the password check)', async () => {
  const created = await createUser({ username: 'leaver', mustChangePassword: false });
  const session = await signIn(testConsole, 'leaver', PASSWORD);
  await api(testConsole, 'PATCH', `/users/${created.body.id}`, { headers: admin.headers, body: { disabled: true } });
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: session.headers })).status, 401);
  const refused = await postSignIn(testConsole, 'leaver', PASSWORD);
  assert.equal(refused.status, 403);
  assert.match(refused.text, /disabled/);
  assert.equal((await postSignIn(testConsole, 'leaver', 'wrong password here')).status, 401, 'a wrong password reveals nothing');
  await testConsole.garrison.database().db.collection('signInFailures').deleteMany({});
});

test('a reset password must be changed at the next sign-in, and ends existing sessions', async () => {
  const created = await createUser({ username: 'forgetful', mustChangePassword: false });
  const session = await signIn(testConsole, 'forgetful', PASSWORD);
  const reset = await api<UserView>(testConsole, 'POST', `/users/${created.body.id}/reset-password`, {
    headers: admin.headers,
    body: { newPassword: 'temporary password 77' },
  });
  assert.equal(reset.body.mustChangePassword, true);
  assert.equal((await api(testConsole, 'GET', '/auth/me', { headers: session.headers })).status, 401);
  const fresh = sessionFrom(await postSignIn(testConsole, 'forgetful', 'temporary password 77'));
  assert.equal((await api(testConsole, 'GET', '/audit', { headers: fresh.headers })).status, 403);
  const me = await api<{ mustChangePassword: boolean }>(testConsole, 'GET', '/auth/me', { headers: fresh.headers });
  assert.equal(me.body.mustChangePassword, true);
});

test('nobody deletes or disables themselves, and the last admin stays', async () => {
  const self = admin.userId;
  assert.equal((await api(testConsole, 'DELETE', `/users/${self}`, { headers: admin.headers })).status, 409);
  assert.equal((await api(testConsole, 'PATCH', `/users/${self}`, { headers: admin.headers, body: { disabled: true } })).status, 409);
  const demote = await api(testConsole, 'PATCH', `/users/${self}`, { headers: admin.headers, body: { role: 'read-only' } });
  assert.equal(demote.status, 409);
  assert.match(demote.text, /last enabled admin/);

  const second = await createUser({ username: 'second-admin', role: 'admin', mustChangePassword: false });
  const secondSession = await signIn(testConsole, 'second-admin', PASSWORD);
  assert.equal((await api(testConsole, 'DELETE', `/users/${second.body.id}`, { headers: secondSession.headers })).status, 409);
  // With two admins, one may step down; then the other is the last again.
  assert.equal((await api(testConsole, 'PATCH', `/users/${second.body.id}`, { headers: admin.headers, body: { role: 'read-only' } })).status, 200);
  assert.equal((await api(testConsole, 'PATCH', `/users/${self}`, { headers: admin.headers, body: { role: 'read-only' } })).status, 409);
  assert.equal((await api(testConsole, 'DELETE', `/users/${second.body.id}`, { headers: admin.headers })).status, 204);
  assert.equal((await api(testConsole, 'GET', `/users/${second.body.id}`, { headers: admin.headers })).status, 404);
  assert.equal((await api(testConsole, 'GET', '/users/not-an-id', { headers: admin.headers })).status, 400);
});
