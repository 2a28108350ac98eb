/**
 * The reference adapter's applySettings: files under its root, the reload
 * command (an argument array) after a change, a failing reload reported in
 * words, and a failed reload owed until it succeeds, even when a retry of the
 * same settings writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DirectoryCore } from './directory-core.js';
import { SETTINGS_FILES } from './settings-files.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-directory-core-'));
});
after(() => rm(root, { recursive: true, force: true }));

const settings = { ntp: { enabled: true, servers: [{ address: '10.0.0.1', port: 123 }] } };

test('a failed reload is reported with its exit code and first line, and owed until it succeeds', async () => {
  const core = path.join(root, 'core');
  const allowed = path.join(root, 'reload-allowed');
  const count = path.join(root, 'reload-count');
  const script = `const fs = require('fs');
fs.appendFileSync(${JSON.stringify(count)}, 'x');
if (!fs.existsSync(${JSON.stringify(allowed)})) { process.stderr.write('chronyd: refused\\n'); process.exit(1); }`;
  const adapter = new DirectoryCore(core, { reloadCommand: [process.execPath, '-e', script] });

  await assert.rejects(adapter.applySettings(settings, 3), /^Error: The reload command node exited with code 1: chronyd: refused\.$/);
  assert.match(await readFile(path.join(core, SETTINGS_FILES.chrony), 'utf8'), /server 10\.0\.0\.1 port 123 iburst/);

  // The files are already in place; the retry must still reload.
  await writeFile(allowed, '');
  await adapter.applySettings(settings, 3);
  assert.equal(await readFile(count, 'utf8'), 'xx');
  await assert.rejects(stat(path.join(core, 'garrison', '.reload-pending')), 'the owed reload is cleared');

  // Nothing changed and nothing owed: no reload.
  await adapter.applySettings(settings, 3);
  assert.equal(await readFile(count, 'utf8'), 'xx');
});

test('a reload command that does not exist is named as such', async () => {
  const adapter = new DirectoryCore(path.join(root, 'core-missing'), { reloadCommand: ['/nonexistent/garrison-reload'] });
  await assert.rejects(adapter.applySettings(settings, 1), /The reload command garrison-reload was not found\./);
});
