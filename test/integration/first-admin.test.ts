/**
 * The first admin: from GARRISON_ADMIN_PASSWORD when set (no file), created once
 * across restarts, and exactly once when two consoles start together on one
 * empty database.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditTrail } from '../../server/src/modules/audit/audit-trail.js';
import { ensureFirstAdmin } from '../../server/src/modules/users/accounts/first-admin.js';
import { PasswordHasher } from '../../server/src/modules/users/accounts/password-hasher.js';
import { userModel } from '../../server/src/modules/users/accounts/user-model.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { makeTempDir, startTestConsole } from '../helpers/test-console.js';
import { postSignIn } from '../helpers/test-session.js';

const FILE = 'initial-admin-password';

async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

test('GARRISON_ADMIN_PASSWORD sets the first password (still to be changed) and writes no file', async (t) => {
  const adminPassword = 'from the environment 42';
  const testConsole = await startTestConsole({ env: { GARRISON_ADMIN_PASSWORD: adminPassword } });
  t.after(() => testConsole.destroy());
  assert.equal(await fileExists(path.join(testConsole.dataDir, FILE)), false);
  const response = await postSignIn(testConsole, 'admin', adminPassword);
  assert.equal(response.status, 200);
  assert.equal((response.body as { mustChangePassword: boolean }).mustChangePassword, true);
  assert.ok(!testConsole.logs.some((line) => line.includes(adminPassword)));
});

test('a restart keeps the first admin and its one-time password', async (t) => {
  const dataDir = await makeTempDir('restart');
  t.after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(`${dataDir}.master.key`, { force: true });
  });
  const first = await startTestConsole({ dataDir });
  const password = await readFile(path.join(dataDir, FILE), 'utf8');
  await first.stop();

  const second = await startTestConsole({ dataDir });
  t.after(() => second.stop());
  assert.equal(await readFile(path.join(dataDir, FILE), 'utf8'), password, 'the file is not rewritten');
  assert.equal(await second.garrison.database().db.collection('users').countDocuments(), 1);
  assert.equal((await postSignIn(second, 'admin', password.trim())).status, 200);
});

test('two consoles starting together on one empty database create one admin', async (t) => {
  const host = await startTestConsole();
  t.after(() => host.destroy());
  // Both consoles use the host's database server, with a database of their own that has no users yet.
  const sharedUri = host.garrison.database().uri.replace(/\/[^/?]*(\?|$)/, '/garrison-race$1');
  const [a, b] = await Promise.all([startTestConsole({ env: { MONGODB_URI: sharedUri } }), startTestConsole({ env: { MONGODB_URI: sharedUri } })]);
  t.after(() => Promise.all([a.destroy(), b.destroy()]));

  const users = await a.garrison.database().db.collection('users').find().toArray();
  assert.equal(users.length, 1);
  assert.equal(users[0]!.username, 'admin');
  const files = [await fileExists(path.join(a.dataDir, FILE)), await fileExists(path.join(b.dataDir, FILE))];
  assert.deepEqual(files.filter(Boolean).length, 1, 'only the console that created the admin wrote the password file');
  const winner = files[0] ? a : b;
  const password = (await readFile(path.join(winner.dataDir, FILE), 'utf8')).trim();
  assert.equal((await postSignIn(files[0] ? b : a, 'admin', password)).status, 200, 'the password works on either console');
});

test('when both consoles see no users, the unique index lets exactly one create the admin', async (t) => {
  const host = await startTestConsole();
  t.after(() => host.destroy());
  const connection = host.garrison.database().connection.useDb('garrison-first-admin-race');
  await connection.db!.collection('users').createIndex({ usernameKey: 1 }, { unique: true });
  const users = userModel(connection);
  const options = (dataDir: string) => ({
    users,
    hasher: new PasswordHasher(),
    audit: new AuditTrail(connection.db!.collection('auditRecords'), createLogger({ level: 'silent' })),
    logger: createLogger({ level: 'silent' }),
    dataDir,
    adminPassword: undefined,
  });
  const [dirA, dirB] = [await makeTempDir('race-a'), await makeTempDir('race-b')];
  t.after(() => Promise.all([rm(dirA, { recursive: true, force: true }), rm(dirB, { recursive: true, force: true })]));

  const outcomes = await Promise.all([ensureFirstAdmin(options(dirA)), ensureFirstAdmin(options(dirB))]);
  assert.deepEqual([...outcomes].sort(), ['created', 'created-elsewhere']);
  assert.equal(await users.countDocuments(), 1);
  const written = [await fileExists(path.join(dirA, FILE)), await fileExists(path.join(dirB, FILE))];
  assert.deepEqual(written, outcomes.map((outcome) => outcome === 'created'));
  assert.equal(await ensureFirstAdmin(options(dirA)), 'exists');
});
