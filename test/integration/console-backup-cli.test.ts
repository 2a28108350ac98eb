/**
 * `system backup`, `system backup-list` and `system restore` over the real
 * OpenSSH client (sshpass): a restore asks twice and goes ahead only on yes,
 * a "no" changes nothing, another version is refused before any question,
 * exec mode (nobody to answer) is refused, and only admins may restore.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPackageVersion } from '../../server/src/platform/package-version.js';
import { sshExec, sshScript } from '../helpers/ssh-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signIn, signInAsAdmin, TEST_ADMIN_PASSWORD, type SignedIn } from '../helpers/test-session.js';

let testConsole: TestConsole;
let admin: SignedIn;
const version = readPackageVersion();
const asAdmin = (script: string) => sshScript(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, script, 60_000);

async function siteNames(): Promise<string[]> {
  const sites = await testConsole.garrison.database().db.collection<{ name: string }>('sites').find({}).toArray();
  return sites.map((site) => site.name).sort();
}

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await testConsole?.destroy();
});

describe('console backup from the SSH CLI', () => {
  let name = '';

  it('system backup writes one and system backup-list shows it', async () => {
    assert.equal((await api(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Pumping station' } })).status, 201);
    const result = await asAdmin('system backup\nsystem backup-list\n');
    assert.equal(result.code, 0, result.stderr);
    name = /Backup written: (garrison-backup-version-\S+\.tar)/.exec(result.stdout)?.[1] ?? '';
    assert.ok(name.startsWith(`garrison-backup-version-${version}-`), result.stdout);
    assert.match(result.stdout, new RegExp(`: ${name.replace(/[.+]/g, '\\$&')}  \\d+ bytes$`, 'm'));
  });

  it('system restore asks twice; "n" changes nothing, "y" twice restores', async () => {
    assert.equal((await api(testConsole, 'POST', '/sites', { headers: admin.headers, body: { name: 'Added later' } })).status, 201);
    const declined = await asAdmin(`system restore ${name}\ny\nn\n`);
    assert.match(declined.stdout, /Use backup file as ".+" \? \[Y\/n\]: /);
    assert.match(declined.stdout, /WARNING - .+ Are you sure you wish to proceed\? \[Y\/n\]: /);
    assert.match(declined.stdout, /Restore cancelled; nothing was changed\./);
    assert.deepEqual(await siteNames(), ['Added later', 'Pumping station']);

    const accepted = await asAdmin(`system restore ${name}\ny\ny\n`);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /Restored \d+ collections \(\d+ documents\) and \d+ PKI files/);
    assert.match(accepted.stdout, /Restart the console/);
    assert.deepEqual(await siteNames(), ['Pumping station']);
    const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'console-backup.restored' }).toArray();
    assert.equal(audited.length, 1);
    assert.equal((audited[0] as unknown as { actor: { name: string } }).actor.name, 'admin');
  });

  it('refuses another version before asking, and exec mode where nobody can answer', async () => {
    const other = name.replace(`-version-${version}-`, '-version-7.0.0-');
    const directory = path.join(testConsole.dataDir, 'sensor-backups');
    await copyFile(path.join(directory, name), path.join(directory, other));
    const refused = await asAdmin(`system restore ${other}\ny\ny\n`);
    assert.doesNotMatch(refused.stdout, /\[Y\/n\]/);
    assert.match(refused.stdout + refused.stderr, new RegExp(`version 7\\.0\\.0; this console is version ${version.replace(/\./g, '\\.')}`));

    const exec = await sshExec(testConsole.sshPort, 'admin', TEST_ADMIN_PASSWORD, `system restore ${name}`, 30_000);
    assert.notEqual(exec.code, 0);
    assert.match(exec.stderr, /interactive session/);
  });

  it('is for admins only', async () => {
    const created = await api(testConsole, 'POST', '/users', { headers: admin.headers, body: { username: 'analyst-cli', role: 'security-analyst', password: 'initial-analyst-password-1' } });
    assert.equal(created.status, 201, created.text);
    await signIn(testConsole, 'analyst-cli', 'initial-analyst-password-1', 'changed-analyst-password-2');
    const result = await sshScript(testConsole.sshPort, 'analyst-cli', 'changed-analyst-password-2', `system restore ${name}\nsystem backup\n`);
    assert.match(result.stdout + result.stderr, /does not allow "system restore"/);
    assert.match(result.stdout + result.stderr, /does not allow "system backup"/);
  });
});
