/**
 * /api/v1/backup-targets against a real console and a real Samba: CRUD with
 * validation errors naming the field, the SMB password write-only (never in a
 * response, an audit record or a log line), "Test connection" on a normal and
 * a hardened (SMB3, encryption required) share, each failure in words, storage
 * use, the built-in target and permissions.
 */
import assert from 'node:assert/strict';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomBytes } from 'node:crypto';
import { BackupStorage } from '../../server/src/modules/backup-storage/backup-storage-service.js';
import { TARGETS_COLLECTION, type TargetDocument } from '../../server/src/modules/backup-storage/target-document.js';
import type { AppError } from '../../server/src/platform/errors.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { MasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import { freeTcpPort } from '../helpers/free-ports.js';
import { startSamba, type Samba } from '../helpers/samba.js';
import { makeTempDir as makeTempDirectory, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

const temporaryDirectories: string[] = [];
/** A temporary folder removed after the tests. */
async function makeTempDir(prefix: string): Promise<string> {
  const directory = await makeTempDirectory(prefix);
  temporaryDirectories.push(directory);
  return directory;
}

interface TargetView {
  id: string;
  name: string;
  kind: 'local' | 'smb';
  builtIn: boolean;
  location: string;
  directory: string | null;
  smb: Record<string, unknown> | null;
}
type TestResult = { ok: true; freeBytes: number | null } | { ok: false; code: string; message: string };
interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: Array<{ path: string; message: string }> } };
}

let testConsole: TestConsole;
let samba: Samba;
let admin: SignedIn;

function smbBody(name: string, share: Samba['normal'], overrides: Record<string, unknown> = {}) {
  return { kind: 'smb', name, host: share.host, port: share.port, share: share.share, user: samba.user, password: samba.password, ...overrides };
}

async function createTarget(body: Record<string, unknown>): Promise<TargetView> {
  const response = await api<TargetView>(testConsole, 'POST', '/backup-targets', { headers: admin.headers, body });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

async function testConnection(id: string): Promise<TestResult> {
  const response = await api<TestResult>(testConsole, 'POST', `/backup-targets/${id}/test`, { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

before(async () => {
  [testConsole, samba] = await Promise.all([startTestConsole(), startSamba('Sm8-secret-Pa55word')]);
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await Promise.all(temporaryDirectories.map((directory) => rm(directory, { recursive: true, force: true })));
  await testConsole?.destroy();
  await samba?.stop();
});

describe('backup targets', () => {
  it('has the built-in local target, 0700, which cannot be deleted or changed', async () => {
    const list = await api<{ items: TargetView[] }>(testConsole, 'GET', '/backup-targets', { headers: admin.headers });
    assert.equal(list.status, 200, list.text);
    const builtIn = list.body.items.find((target) => target.builtIn);
    assert.ok(builtIn);
    assert.equal(builtIn.directory, path.join(testConsole.dataDir, 'sensor-backups'));
    assert.equal((await stat(builtIn.directory!)).mode & 0o777, 0o700);
    assert.equal((await api(testConsole, 'DELETE', `/backup-targets/${builtIn.id}`, { headers: admin.headers })).status, 409);
    const change = await api(testConsole, 'PUT', `/backup-targets/${builtIn.id}`, { headers: admin.headers, body: { kind: 'local', name: 'x', directory: '/tmp/x' } });
    assert.equal(change.status, 409);
    const tested = await testConnection(builtIn.id);
    assert.equal(tested.ok, true, JSON.stringify(tested));
  });

  it('refuses bad input with the field named', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'local', name: 'Relative', directory: 'relative/dir' }, 'directory'],
      [{ kind: 'ftp', name: 'Nope' }, 'kind'],
      [smbBody('No host', samba.normal, { host: 'not a host!' }), 'host'],
      [smbBody('Bad port', samba.normal, { port: 70000 }), 'port'],
      [smbBody('Bad protocol', samba.normal, { minimumProtocol: 'SMB1' }), 'minimumProtocol'],
      [smbBody('Quote share', samba.normal, { share: 'a";rm' }), 'share'],
      [smbBody('Dotdot dir', samba.normal, { directory: 'a/../b' }), 'directory'],
      [{ ...smbBody('No password', samba.normal), password: undefined }, 'password'],
      [{ ...smbBody('Extra', samba.normal), colour: 'blue' }, ''],
    ];
    for (const [body, field] of cases) {
      const response = await api<ErrorBody>(testConsole, 'POST', '/backup-targets', { headers: admin.headers, body: JSON.parse(JSON.stringify(body)) });
      assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.text}`);
      assert.equal(response.body.error.code, 'validation_failed');
      if (field) assert.ok(response.body.error.details?.problems?.some((problem) => problem.path === field), `${field}: ${response.text}`);
    }
    const created = await createTarget({ kind: 'local', name: 'Unique name', directory: path.join(await makeTempDir('unique'), 'x') });
    const duplicate = await api<ErrorBody>(testConsole, 'POST', '/backup-targets', {
      headers: admin.headers,
      body: { kind: 'local', name: 'UNIQUE NAME', directory: '/tmp/other' },
    });
    assert.equal(duplicate.status, 409, duplicate.text);
    assert.match(duplicate.body.error.message, /already exists/);
    assert.equal((await api(testConsole, 'DELETE', `/backup-targets/${created.id}`, { headers: admin.headers })).status, 204);
    assert.equal((await api(testConsole, 'GET', `/backup-targets/${created.id}`, { headers: admin.headers })).status, 404);
    assert.equal((await api(testConsole, 'GET', '/backup-targets/not-a-uuid', { headers: admin.headers })).status, 400);
  });

  it('creates a local target, making its directory (0700), and reports usage', async () => {
    const directory = path.join(await makeTempDir('local-target'), 'nested', 'backups');
    const target = await createTarget({ kind: 'local', name: 'Second disk', directory });
    assert.equal((await stat(directory)).mode & 0o777, 0o700);
    assert.equal((await testConnection(target.id)).ok, true);
    const usage = await api<{ files: number; bytes: number; freeBytes: number }>(testConsole, 'GET', `/backup-targets/${target.id}/usage`, { headers: admin.headers });
    assert.equal(usage.status, 200, usage.text);
    assert.equal(usage.body.files, 0, 'the probe file is gone');
    assert.ok(usage.body.freeBytes > 0);
  });

  it('keeps the SMB password write-only and sealed, and tests normal and hardened shares', async () => {
    const normal = await createTarget(smbBody('Office share', samba.normal, { directory: '/garrison/console one/' }));
    assert.equal(normal.smb?.password, '••••');
    assert.equal(normal.location, `smb://127.0.0.1:${samba.normal.port}/backups/garrison/console one`);
    const normalResult = await testConnection(normal.id);
    assert.equal(normalResult.ok, true, JSON.stringify(normalResult));
    assert.ok((await stat(path.join(samba.normal.path, 'garrison', 'console one'))).isDirectory(), 'the folder was created on the share');
    assert.ok(normalResult.ok && normalResult.freeBytes !== null && normalResult.freeBytes > 0);

    const hardened = await createTarget(smbBody('Hardened share', samba.hardened, { minimumProtocol: 'SMB3', requireEncryption: true }));
    const hardenedResult = await testConnection(hardened.id);
    assert.equal(hardenedResult.ok, true, JSON.stringify(hardenedResult));

    // An update without the password keeps the stored one.
    const renamed = await api<TargetView>(testConsole, 'PUT', `/backup-targets/${normal.id}`, {
      headers: admin.headers,
      body: { kind: 'smb', name: 'Office share (renamed)', host: '127.0.0.1', port: samba.normal.port, share: 'backups', directory: 'garrison/console one', user: samba.user },
    });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal((await testConnection(normal.id)).ok, true);

    const stored = await testConsole.garrison.database().db.collection('backupTargets').findOne({ _id: normal.id as never });
    assert.ok(stored);
    assert.doesNotMatch(JSON.stringify(stored), new RegExp(samba.password));
    const everything = [
      JSON.stringify((await api(testConsole, 'GET', '/backup-targets', { headers: admin.headers })).body),
      JSON.stringify(await testConsole.garrison.database().db.collection('auditRecords').find({}).toArray()),
      ...testConsole.logs,
    ].join('\n');
    assert.doesNotMatch(everything, new RegExp(samba.password), 'the password leaked into a response, an audit record or a log line');
    const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: /^backup-target\./ }).toArray();
    assert.ok(audited.some((record) => record.action === 'backup-target.updated'));
  });

  it('says in words why a connection fails', async () => {
    const closedPort = await freeTcpPort();
    const failures: Array<[Record<string, unknown>, string, RegExp]> = [
      [smbBody('Wrong password', samba.normal, { password: 'not-the-password' }), 'logon-failure', /logon failure/],
      [smbBody('Unknown share', samba.normal, { share: 'nosuchshare' }), 'share-not-found', /share not found/],
      [smbBody('Nobody home', samba.normal, { port: closedPort }), 'unreachable', /host unreachable/],
    ];
    for (const [body, code, words] of failures) {
      const target = await createTarget(body);
      const result = await testConnection(target.id);
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.ok(!result.ok);
      assert.equal(result.code, code);
      assert.match(result.message, words);
    }
    const full = await createTarget(smbBody('Full share', samba.full));
    const usage = await api<{ freeBytes: number }>(testConsole, 'GET', `/backup-targets/${full.id}/usage`, { headers: admin.headers });
    assert.ok(usage.body.freeBytes <= samba.fullCapacityBytes, usage.text);
  });

  it('lets Read Only read and refuses it changes; a target in use cannot be deleted', async () => {
    const reader = await signInAs(testConsole, 'read-only');
    assert.equal((await api(testConsole, 'GET', '/backup-targets', { headers: reader.headers })).status, 200);
    const refused = await api(testConsole, 'POST', '/backup-targets', { headers: reader.headers, body: { kind: 'local', name: 'Nope', directory: '/tmp/nope' } });
    assert.equal(refused.status, 403);
    const analyst = await signInAs(testConsole, 'security-analyst');
    assert.equal((await api(testConsole, 'POST', '/backup-targets', { headers: analyst.headers, body: { kind: 'local', name: 'Nope', directory: '/tmp/nope' } })).status, 403);

    // The backups module registers its check on the console's service; here a second service over the same collection stands in.
    const target = await createTarget({ kind: 'local', name: 'Scheduled', directory: await makeTempDir('scheduled') });
    const storage = new BackupStorage({
      collection: testConsole.garrison.database().db.collection<TargetDocument>(TARGETS_COLLECTION),
      secretBox: new SecretBox(new MasterKey(randomBytes(32), { kind: 'environment' })),
      builtInDirectory: path.join(testConsole.dataDir, 'sensor-backups'),
      logger: createLogger({ level: 'silent' }),
    });
    storage.registerInUseCheck(async (id) => (id === target.id ? 'the schedule "Nightly" writes to it' : null));
    await assert.rejects(storage.remove(target.id), (error: AppError) => error.code === 'conflict' && /Nightly/.test(error.message));
    assert.equal((await api(testConsole, 'GET', `/backup-targets/${target.id}`, { headers: admin.headers })).status, 200);
  });
});
