/**
 * The reference adapter's settings files: one managed block in chrony.conf with
 * every outside line kept, atomic writes that leave no temporary files, the
 * other files rendered, idempotent re-application, and a reload that runs only
 * when something changed, as an argument array.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applySettingsFiles, ManagedBlockError, MANAGED_BEGIN, MANAGED_END, replaceManagedBlock, SETTINGS_FILES } from './settings-files.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-settings-files-'));
});
after(() => rm(root, { recursive: true, force: true }));

const OPERATOR_CHRONY = ['# operator comment', 'driftfile /var/lib/chrony/chrony.drift', 'makestep 1 3', ''].join('\n');

const settings = {
  ntp: { enabled: true, servers: [{ address: '10.0.0.1' }, { address: 'ntp.plant.local', port: 1123 }] },
  timeRegion: { timeZone: 'Europe/Berlin', dateFormat: 'yyyy/MM/dd HH:mm:ss' },
  dns: { servers: ['10.0.0.53', 'fd00::53'] },
  mail: { host: 'smtp.plant.local', password: 'mail-secret-1' },
  uploadBandwidthLimit: '30kbit',
};

test('writes one managed chrony block, keeps the operator lines, and the other files', async () => {
  const chrony = path.join(root, SETTINGS_FILES.chrony);
  await mkdir(path.dirname(chrony), { recursive: true });
  await writeFile(chrony, OPERATOR_CHRONY);
  const runs: string[][] = [];
  const result = await applySettingsFiles({ root, settings, revision: 7, reloadCommand: ['systemctl', 'restart', 'chrony; rm -rf /'], run: async (argv) => void runs.push([...argv]) });

  assert.deepEqual(result.changed.sort(), Object.values(SETTINGS_FILES).sort());
  assert.equal(result.reloaded, true);
  assert.deepEqual(runs, [['systemctl', 'restart', 'chrony; rm -rf /']], 'the reload is one argument array, never a shell line');

  const written = await readFile(chrony, 'utf8');
  assert.ok(written.startsWith(OPERATOR_CHRONY), 'operator lines kept, in order');
  assert.equal(written.split(MANAGED_BEGIN).length, 2, 'exactly one managed block');
  assert.match(written, /server 10\.0\.0\.1 port 123 iburst\nserver ntp\.plant\.local port 1123 iburst\n# END GARRISON MANAGED\n$/);
  assert.equal(await readFile(path.join(root, SETTINGS_FILES.timeZone), 'utf8'), 'Europe/Berlin\n');
  assert.match(await readFile(path.join(root, SETTINGS_FILES.resolver), 'utf8'), /nameserver 10\.0\.0\.53\nnameserver fd00::53\n$/);
  const json = JSON.parse(await readFile(path.join(root, SETTINGS_FILES.json), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(json, { revision: 7, dateFormat: 'yyyy/MM/dd HH:mm:ss', mail: { host: 'smtp.plant.local', password: 'mail-secret-1' }, uploadBandwidthLimit: { text: '30kbit', bitsPerSecond: 30000 } });
  assert.equal((await stat(path.join(root, SETTINGS_FILES.json))).mode & 0o777, 0o600, 'the JSON holds secrets');
  const leftovers = (await readdir(path.dirname(chrony))).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(leftovers, [], 'no temporary files left behind');
});

test('applying the same settings again writes nothing and does not reload', async () => {
  const chrony = path.join(root, SETTINGS_FILES.chrony);
  const before = await stat(chrony);
  const runs: string[][] = [];
  const result = await applySettingsFiles({ root, settings, revision: 7, reloadCommand: ['true'], run: async (argv) => void runs.push([...argv]) });
  assert.deepEqual(result, { changed: [], reloaded: false });
  assert.deepEqual(runs, []);
  assert.equal((await stat(chrony)).ino, before.ino, 'the file was not replaced');
});

test('a change replaces the managed block in place and keeps lines added after it', async () => {
  const chrony = path.join(root, SETTINGS_FILES.chrony);
  await writeFile(chrony, `${await readFile(chrony, 'utf8')}# added by the operator later\nlogdir /var/log/chrony\n`);
  const result = await applySettingsFiles({ root, settings: { ...settings, ntp: { enabled: false, servers: [] } }, revision: 8 });
  assert.ok(result.changed.includes(SETTINGS_FILES.chrony));
  assert.ok(!result.changed.includes(SETTINGS_FILES.timeZone), 'unchanged files are not rewritten');
  const written = await readFile(chrony, 'utf8');
  assert.equal(written.split(MANAGED_BEGIN).length, 2);
  assert.doesNotMatch(written, /^server /m, 'disabled NTP leaves no server line');
  assert.ok(written.startsWith(OPERATOR_CHRONY));
  assert.match(written, /# END GARRISON MANAGED\n# added by the operator later\nlogdir \/var\/log\/chrony\n$/);
});

test('a damaged managed block is refused rather than guessed at', () => {
  const block = `${MANAGED_BEGIN}\n${MANAGED_END}\n`;
  assert.throws(() => replaceManagedBlock(`keep me\n${MANAGED_BEGIN}\nserver 1.2.3.4\n`, block), ManagedBlockError);
  assert.throws(() => replaceManagedBlock(`keep me\n${MANAGED_END}\n`, block), ManagedBlockError);
  assert.equal(replaceManagedBlock('', block), block);
  assert.equal(replaceManagedBlock(`a\n${block}b\n${block}c\n`, block), `a\n${block}b\nc\n`, 'two old blocks become one');
});

test('settings the schema refuses are not written', async () => {
  const other = await mkdtemp(path.join(os.tmpdir(), 'garrison-settings-files-bad-'));
  try {
    await assert.rejects(applySettingsFiles({ root: other, settings: { ntp: { enabled: true, servers: [{ address: '1.2.3.4\nallow all' }] } }, revision: 1 }));
    assert.deepEqual(await readdir(other), []);
  } finally {
    await rm(other, { recursive: true, force: true });
  }
});
