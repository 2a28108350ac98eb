/**
 * The console's own backup end to end on a real console: create data, back up
 * (a tar on the built-in target holding every collection, the pki/ files and a
 * manifest, never the master key), change the data, restore, the data and PKI
 * files are back and the console starts again on them; another version is
 * refused saying both versions; a damaged archive is refused before anything
 * is replaced; only admins back up and restore.
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pack as tarPack } from 'tar-stream';
import { readPackageVersion } from '../../server/src/platform/package-version.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

interface CreatedBackup {
  name: string;
  sizeBytes: number;
  sha256: string;
  collections: Array<{ name: string; documents: number }>;
  files: number;
}
interface ErrorBody {
  error: { code: string; message: string };
}

let testConsole: TestConsole;
let admin: SignedIn;
const version = readPackageVersion();

async function siteNames(): Promise<string[]> {
  const sites = await testConsole.garrison.database().db.collection<{ name: string }>('sites').find({}).toArray();
  return sites.map((site) => site.name).sort();
}

async function backUp(): Promise<CreatedBackup> {
  const response = await api<CreatedBackup>(testConsole, 'POST', '/console-backups', { headers: admin.headers, body: {} });
  assert.equal(response.status, 201, response.text);
  return response.body;
}

function backupDirectory(): string {
  return path.join(testConsole.dataDir, 'sensor-backups');
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await testConsole?.destroy();
});

describe('console backup', () => {
  it('round trip: back up, change, restore, the data and the PKI files are back', async () => {
    assert.equal((await api(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Refinery' } })).status, 201);
    const caFile = path.join(testConsole.dataDir, 'pki', 'ca.crt');
    const caBefore = await readFile(caFile, 'utf8');

    const started = Date.now();
    const backup = await backUp();
    console.log(`console backup: ${backup.sizeBytes} bytes, ${backup.collections.length} collections, ${backup.files} PKI files in ${Date.now() - started} ms`);
    assert.match(backup.name, new RegExp(`^garrison-backup-version-${version.replace(/\./g, '\\.')}-\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}\\.tar$`));
    assert.ok(backup.collections.some((collection) => collection.name === 'sites' && collection.documents === 1));
    assert.ok(backup.files >= 2, 'the PKI files are in');
    const archivePath = path.join(backupDirectory(), backup.name);
    assert.equal((await stat(archivePath)).mode & 0o777, 0o600);
    assert.equal((await stat(archivePath)).size, backup.sizeBytes);
    const archive = await readFile(archivePath);
    const masterKey = await readFile(path.join(testConsole.dataDir, '..', `${path.basename(testConsole.dataDir)}.master.key`), 'utf8');
    assert.ok(!archive.includes(Buffer.from(masterKey.trim())), 'the master key is not in the archive');
    assert.ok(archive.includes(Buffer.from('manifest.json')));

    const listed = await api<{ items: Array<{ name: string; consoleVersion: string }> }>(testConsole, 'GET', '/console-backups', { headers: admin.headers });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.items.map((item) => [item.name, item.consoleVersion]), [[backup.name, version]]);

    // Change the data and a PKI file.
    assert.equal((await api(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Harbour' } })).status, 201);
    await testConsole.garrison.database().db.collection('sites').updateOne({ name: 'Refinery' }, { $set: { name: 'Renamed' } });
    await writeFile(caFile, 'changed\n');
    assert.deepEqual(await siteNames(), ['Harbour', 'Renamed']);

    const restored = await api<{ restartRequired: boolean; message: string; collections: Record<string, number> }>(
      testConsole,
      'POST',
      `/console-backups/${backup.name}/restore`,
      { headers: admin.headers, body: {} },
    );
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.restartRequired, true);
    assert.match(restored.body.message, /Restart the console/);
    assert.equal(restored.body.collections.sites, 1);
    assert.deepEqual(await siteNames(), ['Refinery']);
    assert.equal(await readFile(caFile, 'utf8'), caBefore);
    const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'console-backup.restored' }).toArray();
    assert.equal(audited.length, 1);
    // The audit trail is kept, not rolled back: the chain still verifies and still holds what happened after the backup.
    const verified = await api<{ valid: boolean }>(testConsole, 'GET', '/audit/verify', { headers: admin.headers });
    assert.equal(verified.body.valid, true, verified.text);
    assert.equal(await testConsole.garrison.database().db.collection('auditRecords').countDocuments({ action: 'site.created', 'target.name': 'Harbour' }), 1);

    // The console starts again on the restored database and PKI.
    await testConsole.stop();
    testConsole = await startTestConsole({ dataDir: testConsole.dataDir });
    admin = await signInAsAdmin(testConsole);
    assert.deepEqual(await siteNames(), ['Refinery']);
  });

  it('refuses a backup of another version, saying both versions', async () => {
    const [existing] = (await api<{ items: Array<{ name: string }> }>(testConsole, 'GET', '/console-backups', { headers: admin.headers })).body.items;
    assert.ok(existing);
    const otherName = existing.name.replace(`-version-${version}-`, '-version-9.9.9-');
    await copyFile(path.join(backupDirectory(), existing.name), path.join(backupDirectory(), otherName));
    const byName = await api<ErrorBody>(testConsole, 'POST', `/console-backups/${otherName}/restore`, { headers: admin.headers, body: {} });
    assert.equal(byName.status, 409, byName.text);
    assert.match(byName.body.error.message, new RegExp(`version 9\\.9\\.9; this console is version ${version.replace(/\./g, '\\.')}`));

    // A file named for this version whose manifest says another one.
    const archive = tarPack();
    const manifest = { format: 1, consoleVersion: '0.0.1', createdAt: new Date().toISOString(), collections: [], files: [] };
    archive.entry({ name: 'manifest.json' }, JSON.stringify(manifest));
    archive.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of archive) chunks.push(chunk as Buffer);
    const disguised = existing.name.replace(/_\d{2}-\d{2}-\d{2}\.tar$/, '_00-00-01.tar');
    await writeFile(path.join(backupDirectory(), disguised), Buffer.concat(chunks));
    const byManifest = await api<ErrorBody>(testConsole, 'POST', `/console-backups/${disguised}/restore`, { headers: admin.headers, body: {} });
    assert.equal(byManifest.status, 409, byManifest.text);
    assert.match(byManifest.body.error.message, new RegExp(`version 0\\.0\\.1; this console is version ${version.replace(/\./g, '\\.')}`));
  });

  it('refuses a damaged archive before replacing anything', async () => {
    const backup = await backUp();
    const archivePath = path.join(backupDirectory(), backup.name);
    const bytes = await readFile(archivePath);
    const at = bytes.indexOf(Buffer.from('Refinery'));
    assert.ok(at > 0);
    bytes.write('Refinerx', at);
    const damaged = backup.name.replace(/_\d{2}-\d{2}-\d{2}\.tar$/, '_00-00-02.tar');
    await writeFile(path.join(backupDirectory(), damaged), bytes);
    assert.equal((await api(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'After damage' } })).status, 201);
    const response = await api<ErrorBody>(testConsole, 'POST', `/console-backups/${damaged}/restore`, { headers: admin.headers, body: {} });
    assert.equal(response.status, 422, response.text);
    assert.match(response.body.error.message, /damaged/);
    assert.deepEqual(await siteNames(), ['After damage', 'Refinery']);
  });

  it('lets only admins back up and restore; bad names are 400', async () => {
    const analyst = await signInAs(testConsole, 'security-analyst');
    assert.equal((await api(testConsole, 'POST', '/console-backups', { headers: analyst.headers, body: {} })).status, 403);
    assert.equal((await api(testConsole, 'GET', '/console-backups', { headers: analyst.headers })).status, 200);
    const badName = await api<ErrorBody>(testConsole, 'POST', '/console-backups/..%2Fetc%2Fpasswd/restore', { headers: admin.headers, body: {} });
    assert.equal(badName.status, 400, badName.text);
    const missing = await api<ErrorBody>(testConsole, 'POST', `/console-backups/garrison-backup-version-${version}-2001-01-01_00-00-00.tar/restore`, { headers: admin.headers, body: {} });
    assert.equal(missing.status, 404, missing.text);
  });
});
