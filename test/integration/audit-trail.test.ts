/**
 * The audit trail end to end: security actions leave records, records hold no
 * secrets, concurrent writers (in this console and "another console" on the same
 * database) keep one unbroken chain, filters and paging work, the NDJSON export
 * is complete, and verification catches a record edited or deleted directly in
 * the database.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { AuditTrail } from '../../server/src/modules/audit/audit-trail.js';
import type { AuditRecordDocument } from '../../server/src/modules/audit/audit-chain.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, createApiToken, postSignIn, signIn, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(() => testConsole.destroy());

function records() {
  return testConsole.garrison.database().db.collection<AuditRecordDocument>('auditRecords');
}

async function verify() {
  return (await api<{ valid: boolean; checked: number; firstBrokenSequence?: number }>(testConsole, 'GET', '/audit/verify', { headers: admin.headers })).body;
}

/** GET as text: the NDJSON export is not one JSON document, so the JSON test client cannot read it. */
function download(path: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${testConsole.baseUrl}/api/v1${path}`, { ca: testConsole.caPem, servername: 'localhost', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('security actions are recorded, and no secret reaches the trail', async () => {
  const secrets: string[] = [TEST_ADMIN_PASSWORD, admin.cookie.split('=')[1]!, admin.csrfToken];
  const userPassword = 'audit subject password 1';
  const created = await api<{ id: string }>(testConsole, 'POST', '/users', {
    headers: admin.headers,
    body: { username: 'subject', role: 'read-only', password: userPassword },
  });
  const resetPassword = 'audit reset password 22';
  await api(testConsole, 'POST', `/users/${created.body.id}/reset-password`, { headers: admin.headers, body: { newPassword: resetPassword } });
  const newPassword = 'audit changed password 333';
  const subject = await signIn(testConsole, 'subject', resetPassword, newPassword);
  await postSignIn(testConsole, 'subject', 'a wrong guess at the password');
  const token = await createApiToken(testConsole, 'read-only');
  await api(testConsole, 'POST', '/auth/sign-out', { headers: subject.headers });
  secrets.push(userPassword, resetPassword, newPassword, 'a wrong guess at the password', token.token, token.token.slice(29), subject.cookie.split('=')[1]!, subject.csrfToken);

  const exported = await download('/audit/export', { cookie: admin.cookie });
  for (const action of ['user.created', 'user.password-reset', 'user.password-changed', 'auth.sign-in', 'api-token.created', 'auth.sign-out']) {
    assert.ok(exported.text.includes(`"action":"${action}"`), action);
  }
  assert.ok(exported.text.includes('"outcome":"failure","reason":"wrong password (via web)"'));
  const stored = JSON.stringify(await records().find().toArray());
  for (const secret of secrets) {
    assert.ok(!exported.text.includes(secret), `export leaks ${secret.slice(0, 6)}…`);
    assert.ok(!stored.includes(secret), `database leaks ${secret.slice(0, 6)}…`);
  }
  assert.doesNotMatch(stored, /argon2|secretHash/);
  await testConsole.garrison.database().db.collection('signInFailures').deleteMany({});
});

test('the export is NDJSON in sequence order, and is itself audited', async () => {
  const exported = await download('/audit/export?action=user.*', { cookie: admin.cookie });
  assert.equal(exported.status, 200);
  assert.match(exported.contentType, /application\/x-ndjson/);
  const lines = exported.text.trim().split('\n').map((line) => JSON.parse(line) as { sequence: number; action: string });
  assert.ok(lines.length >= 3);
  assert.ok(lines.every((line) => line.action.startsWith('user.')));
  assert.deepEqual(lines.map((line) => line.sequence), [...lines.map((line) => line.sequence)].sort((a, b) => a - b));
  const audited = await api<{ records: { action: string }[] }>(testConsole, 'GET', '/audit?action=audit.exported&limit=1', { headers: admin.headers });
  assert.equal(audited.body.records.length, 1);
});

test('filters and paging', async () => {
  const first = await api<{ records: { sequence: number }[]; nextBefore: number | null }>(testConsole, 'GET', '/audit?limit=2', { headers: admin.headers });
  assert.equal(first.body.records.length, 2);
  assert.ok(first.body.nextBefore !== null);
  const second = await api<{ records: { sequence: number }[] }>(testConsole, 'GET', `/audit?limit=2&before=${first.body.nextBefore}`, { headers: admin.headers });
  assert.equal(second.body.records[0]!.sequence, first.body.records[1]!.sequence - 1, 'the next page starts right after the first');
  const failures = await api<{ records: { outcome: string }[] }>(testConsole, 'GET', '/audit?outcome=failure&actor=subject', { headers: admin.headers });
  assert.ok(failures.body.records.length >= 1 && failures.body.records.every((record) => record.outcome === 'failure'));
  const future = await api<{ records: unknown[] }>(testConsole, 'GET', '/audit?from=2999-01-01T00:00:00Z', { headers: admin.headers });
  assert.deepEqual(future.body.records, []);
  assert.equal((await api(testConsole, 'GET', '/audit?limit=0', { headers: admin.headers })).status, 400);
  assert.equal((await api(testConsole, 'GET', '/audit?from=yesterday', { headers: admin.headers })).status, 400);
});

test('concurrent writers, here and in another console, keep one unbroken chain', async () => {
  const otherConsole = new AuditTrail(records(), createLogger({ level: 'silent' }));
  const before = await records().countDocuments();
  await Promise.all([
    ...Array.from({ length: 10 }, (_, index) =>
      api(testConsole, 'POST', '/users', { headers: admin.headers, body: { username: `parallel-${index}`, role: 'read-only', password: 'copper kettle on the hill' } }),
    ),
    ...Array.from({ length: 10 }, (_, index) =>
      otherConsole.record({ actor: { kind: 'system', id: null, name: 'other console' }, action: 'test.concurrent-write', target: null, outcome: 'success', reason: `write ${index}` }),
    ),
  ]);
  assert.equal(await records().countDocuments(), before + 20);
  const sequences = (await records().find({}, { projection: { _id: 1 } }).sort({ _id: 1 }).toArray()).map((record) => record._id);
  assert.deepEqual(sequences, sequences.map((_, index) => index + 1), 'sequence numbers have no gaps or repeats');
  assert.deepEqual(await verify(), { valid: true, checked: sequences.length });
});

test('verification catches a record edited or deleted in the database', async () => {
  const total = await records().countDocuments();
  const original = (await records().findOne({ _id: 3 }))!;
  await records().updateOne({ _id: 3 }, { $set: { 'actor.name': 'somebody else' } });
  assert.deepEqual(await verify(), { valid: false, checked: 3, firstBrokenSequence: 3 });

  await records().replaceOne({ _id: 3 }, original);
  assert.equal((await verify()).valid, true, 'restoring the record restores the chain');

  await records().deleteOne({ _id: 5 });
  const broken = await verify();
  assert.equal(broken.valid, false);
  assert.equal(broken.firstBrokenSequence, 5);
  assert.ok(broken.checked < total);
});
