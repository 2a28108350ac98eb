/**
 * Archives made by GNU tar (run with an argument array, no shell): hostile
 * ones (`../` kept with -P, symbolic links out of the root) are refused
 * before anything is written; ordinary ones restore in both GNU and POSIX
 * (pax) formats, with long and non-ASCII names, links and a hard link.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { link, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DirectoryCore } from '../core/directory-core.js';
import { extractTar, HostileArchiveError } from './tar-extract.js';

const folders: string[] = [];
after(async () => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'garrison-gnu-tar-test-'));
  folders.push(folder);
  return folder;
}

/** Runs GNU tar with `args`; rejects with its stderr when it fails. */
function gnuTar(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar ${args.join(' ')} exited with ${code}: ${stderr}`))));
  });
}

/** A core holding one known file, and the work folder around it. */
async function coreWithData(): Promise<{ core: DirectoryCore; root: string; work: string }> {
  const work = await tempDir();
  const root = path.join(work, 'core');
  await mkdir(root);
  await writeFile(path.join(root, 'core.json'), JSON.stringify({ version: '24.1.3' }));
  return { core: new DirectoryCore(root), root, work };
}

/** Refused by the extractor itself (nothing written into an empty folder) and by the core (its data as it was). */
async function assertRefused(core: DirectoryCore, archive: string, says: RegExp): Promise<void> {
  const root = core.root;
  const work = path.dirname(root);
  const destination = await tempDir();
  const refusal = (error: Error) => error instanceof HostileArchiveError && says.test(error.message);
  await assert.rejects(extractTar(archive, destination), refusal);
  assert.deepEqual(await readdir(destination), []);
  await assert.rejects(core.restoreBackup(archive), refusal);
  assert.deepEqual(await readdir(root), ['core.json']);
  assert.equal(await readFile(path.join(root, 'core.json'), 'utf8'), JSON.stringify({ version: '24.1.3' }));
  assert.deepEqual((await readdir(work)).sort(), ['core', 'hostile.tar', 'source']);
}

describe('GNU tar archives', () => {
  it('refuses a "../evil" entry (kept by tar -P) and writes nothing', async () => {
    const { core, work } = await coreWithData();
    const source = path.join(work, 'source');
    await mkdir(path.join(source, 'inner'), { recursive: true });
    await writeFile(path.join(source, 'evil'), 'evil');
    await writeFile(path.join(source, 'inner', 'ok.txt'), 'fine');
    const archive = path.join(work, 'hostile.tar');
    // A harmless entry first: it must not be written either.
    await gnuTar(['-cPf', archive, '-C', path.join(source, 'inner'), 'ok.txt', '../evil']);
    await assertRefused(core, archive, /"\.\.\/evil" climbs out/);
  });

  for (const { name, target, says } of [
    { name: 'an absolute path', target: '/etc/passwd', says: /symbolic link to the absolute path "\/etc\/passwd"/ },
    { name: 'a path out with ..', target: '../../outside', says: /symbolic link out of the restore folder/ },
  ]) {
    it(`refuses a symbolic link to ${name} and writes nothing`, async () => {
      const { core, work } = await coreWithData();
      const source = path.join(work, 'source');
      await mkdir(path.join(source, 'etc'), { recursive: true });
      await writeFile(path.join(source, 'etc', 'sensor.conf'), 'fine');
      await symlink(target, path.join(source, 'etc', 'out'));
      const archive = path.join(work, 'hostile.tar');
      await gnuTar(['-cf', archive, '-C', source, '.']);
      await assertRefused(core, archive, says);
    });
  }

  for (const format of ['gnu', 'posix']) {
    it(`restores an ordinary archive in ${format} format`, async () => {
      const { core, root, work } = await coreWithData();
      const source = path.join(work, 'source');
      const deep = path.join(source, 'config', 'a-folder-name-long-enough-to-need-more-than-one-hundred-bytes', 'and-then-some-more');
      await mkdir(deep, { recursive: true });
      await writeFile(path.join(source, 'core.json'), JSON.stringify({ version: '24.1.4' }));
      await writeFile(path.join(deep, 'rules.conf'), 'r'.repeat(100_000));
      await writeFile(path.join(source, 'config', 'café.conf'), 'non-ASCII name');
      await writeFile(path.join(source, 'config', 'original'), 'shared inode');
      await link(path.join(source, 'config', 'original'), path.join(source, 'config', 'hard'));
      await symlink('config/café.conf', path.join(source, 'current'));
      const archive = path.join(work, 'ordinary.tar');
      await gnuTar([`--format=${format}`, '-cf', archive, '-C', source, '.']);

      await core.restoreBackup(archive);
      assert.deepEqual((await readdir(root)).sort(), ['config', 'core.json', 'current']);
      assert.equal(await readFile(path.join(root, 'core.json'), 'utf8'), JSON.stringify({ version: '24.1.4' }));
      assert.equal(await readFile(path.join(root, path.relative(source, deep), 'rules.conf'), 'utf8'), 'r'.repeat(100_000));
      assert.equal(await readFile(path.join(root, 'current'), 'utf8'), 'non-ASCII name');
      assert.equal(await readlink(path.join(root, 'current')), 'config/café.conf');
      const [original, hard] = await Promise.all([lstat(path.join(root, 'config', 'original')), lstat(path.join(root, 'config', 'hard'))]);
      assert.equal(hard.ino, original.ino);
      assert.equal(await readFile(path.join(root, 'config', 'hard'), 'utf8'), 'shared inode');
    });
  }
});
