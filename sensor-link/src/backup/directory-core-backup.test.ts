/**
 * The reference adapter's backups: a round trip keeps data and leaves pcaps
 * and logs out; hostile archives (`../`, absolute paths, links out, entries
 * through links, devices) are refused before anything is written; GNU tar can
 * read what we write.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { pack as tarPack } from 'tar-stream';
import { DirectoryCore } from '../core/directory-core.js';
import { DamagedArchiveError, HostileArchiveError, inspectTar, type TarEntryKind } from './tar-extract.js';

const run = promisify(execFile);
const folders: string[] = [];
after(async () => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'garrison-backup-test-'));
  folders.push(folder);
  return folder;
}

interface RawEntry {
  path: string;
  kind: TarEntryKind;
  data?: string;
  linkTarget?: string;
}

/** Writes exactly the entries given (hostile ones included) with tar-stream. */
async function writeArchive(file: string, entries: RawEntry[]): Promise<void> {
  const archive = tarPack();
  const written = pipeline(Readable.from(archive, { objectMode: false }), createWriteStream(file));
  for (const entry of entries) {
    const header = { name: entry.path, type: entry.kind === 'hardlink' ? ('link' as const) : entry.kind, mode: entry.kind === 'directory' ? 0o755 : 0o644, linkname: entry.linkTarget ?? '' };
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (entry.kind === 'file') archive.entry(header, entry.data ?? '', done);
      else archive.entry(header, done);
    });
  }
  archive.finalize();
  await written;
}

async function coreWithData(): Promise<{ core: DirectoryCore; root: string; work: string }> {
  const work = await tempDir();
  const root = path.join(work, 'core');
  await mkdir(path.join(root, 'config', 'deep', 'er'), { recursive: true });
  await mkdir(path.join(root, 'pcaps'), { recursive: true });
  await mkdir(path.join(root, 'logs'), { recursive: true });
  await writeFile(path.join(root, 'core.json'), JSON.stringify({ version: '24.1.3' }));
  await writeFile(path.join(root, 'config', 'deep', 'er', `${'long-name-'.repeat(12)}.conf`), 'x'.repeat(70_000));
  await writeFile(path.join(root, 'config', 'café.conf'), 'non-ASCII name');
  await writeFile(path.join(root, 'pcaps', 'capture.pcap'), 'packets');
  await writeFile(path.join(root, 'logs', 'core.log'), 'log line');
  await symlink('config/deep', path.join(root, 'shortcut'));
  return { core: new DirectoryCore(root), root, work };
}

describe('DirectoryCore backups', () => {
  it('round-trips data without pcaps and logs, and GNU tar reads the archive', async () => {
    const { core, root, work } = await coreWithData();
    const archive = path.join(work, 'backup.tar');
    const produced = await core.produceBackup(archive);
    // Measured while written: the same figures as reading the file again.
    const { stdout: sum } = await run('sha256sum', [archive]);
    assert.deepEqual(produced, { sizeBytes: (await stat(archive)).size, sha256: sum.split(' ')[0] });
    const { stdout } = await run('tar', ['-tf', archive]);
    const listed = stdout.trim().split('\n');
    assert.ok(listed.includes('core.json'), stdout);
    assert.ok(listed.some((name) => name.endsWith('long-name-.conf')), stdout);
    assert.ok(listed.includes('config/café.conf'), stdout);
    assert.ok(!listed.some((name) => name.startsWith('pcaps') || name.startsWith('logs')), stdout);

    await writeFile(path.join(root, 'core.json'), 'changed');
    await writeFile(path.join(root, 'stray.txt'), 'not in the backup');
    await core.restoreBackup(archive);
    assert.equal(await readFile(path.join(root, 'core.json'), 'utf8'), JSON.stringify({ version: '24.1.3' }));
    assert.equal((await readFile(path.join(root, 'shortcut', 'er', `${'long-name-'.repeat(12)}.conf`), 'utf8')).length, 70_000);
    assert.equal(await readFile(path.join(root, 'config', 'café.conf'), 'utf8'), 'non-ASCII name');
    assert.equal(await readFile(path.join(root, 'pcaps', 'capture.pcap'), 'utf8'), 'packets');
    assert.equal(await readFile(path.join(root, 'logs', 'core.log'), 'utf8'), 'log line');
    assert.deepEqual((await readdir(root)).sort(), ['config', 'core.json', 'logs', 'pcaps', 'shortcut']);
  });

  it('restores an archive made by GNU tar', async () => {
    const { core, root, work } = await coreWithData();
    const source = path.join(work, 'source');
    await mkdir(path.join(source, 'etc'), { recursive: true });
    await writeFile(path.join(source, 'etc', 'sensor.conf'), 'from gnu tar');
    const archive = path.join(work, 'gnu.tar');
    await run('tar', ['-cf', archive, '-C', source, '.']);
    await core.restoreBackup(archive);
    assert.equal(await readFile(path.join(root, 'etc', 'sensor.conf'), 'utf8'), 'from gnu tar');
  });

  const hostile: Array<{ name: string; entries: RawEntry[]; says: RegExp }> = [
    { name: 'a ../ path', entries: [{ path: 'ok.txt', kind: 'file', data: 'fine' }, { path: '../escaped.txt', kind: 'file', data: 'evil' }], says: /climbs out/ },
    { name: 'an absolute path', entries: [{ path: '/tmp/garrison-absolute-escape.txt', kind: 'file', data: 'evil' }], says: /absolute path/ },
    { name: 'a symlink to an absolute path', entries: [{ path: 'etc', kind: 'symlink', linkTarget: '/etc' }], says: /symbolic link to the absolute path/ },
    { name: 'a symlink out with ..', entries: [{ path: 'sub/up', kind: 'symlink', linkTarget: '../../outside' }], says: /symbolic link out/ },
    { name: 'a write through a symlink of the archive', entries: [{ path: 'here', kind: 'symlink', linkTarget: '.' }, { path: 'here/file.txt', kind: 'file', data: 'x' }], says: /below a symbolic link/ },
    { name: 'a hard link out', entries: [{ path: 'passwd', kind: 'hardlink', linkTarget: '/etc/passwd' }], says: /hard link/ },
    { name: 'a hard link to a file not in the archive', entries: [{ path: 'copy', kind: 'hardlink', linkTarget: 'core.json' }], says: /hard link/ },
    { name: 'a hard link to itself', entries: [{ path: 'f', kind: 'file', data: 'x' }, { path: 'f', kind: 'hardlink', linkTarget: 'f' }], says: /hard link/ },
    {
      name: 'a chain of symlinks that leaves the root',
      entries: [{ path: 'a', kind: 'symlink', linkTarget: 'b/..' }, { path: 'b', kind: 'symlink', linkTarget: '.' }],
      says: /through another symbolic link/,
    },
    { name: 'an entry below a file of the archive', entries: [{ path: 'f', kind: 'file', data: 'x' }, { path: 'f/g', kind: 'file', data: 'y' }], says: /below a file/ },
  ];
  for (const { name, entries, says } of hostile) {
    it(`refuses ${name} and leaves the core untouched`, async () => {
      const { core, root, work } = await coreWithData();
      const archive = path.join(work, 'hostile.tar');
      await writeArchive(archive, entries);
      await assert.rejects(inspectTar(archive), (error: Error) => error instanceof HostileArchiveError && says.test(error.message));
      await assert.rejects(core.restoreBackup(archive), says);
      assert.equal(await readFile(path.join(root, 'core.json'), 'utf8'), JSON.stringify({ version: '24.1.3' }));
      assert.deepEqual((await readdir(root)).sort(), ['config', 'core.json', 'logs', 'pcaps', 'shortcut']);
      assert.deepEqual(await readdir(work).then((names) => names.filter((entry) => entry.startsWith('escaped'))), []);
      await assert.rejects(readFile('/tmp/garrison-absolute-escape.txt'));
    });
  }

  it('refuses a device entry made by GNU tar', async () => {
    const { core, work } = await coreWithData();
    const archive = path.join(work, 'device.tar');
    // A FIFO is the special file an unprivileged test can make.
    const source = path.join(work, 'fifo-source');
    await mkdir(source);
    await run('mkfifo', [path.join(source, 'pipe')]);
    await run('tar', ['-cf', archive, '-C', source, '.']);
    await assert.rejects(core.restoreBackup(archive), /special file/);
  });

  it('refuses a damaged archive and leaves the core untouched', async () => {
    const { core, root, work } = await coreWithData();
    const good = path.join(work, 'good.tar');
    await core.produceBackup(good);
    const truncated = path.join(work, 'truncated.tar');
    await writeFile(truncated, (await readFile(good)).subarray(0, 70_000));
    const garbage = path.join(work, 'garbage.tar');
    await writeFile(garbage, Buffer.alloc(4096, 0x41));
    await writeFile(path.join(root, 'core.json'), 'changed');
    for (const archive of [truncated, garbage]) {
      await assert.rejects(core.restoreBackup(archive), (error: Error) => error instanceof DamagedArchiveError && /nothing was restored/.test(error.message));
    }
    assert.equal(await readFile(path.join(root, 'core.json'), 'utf8'), 'changed');
    assert.deepEqual((await readdir(root)).sort(), ['config', 'core.json', 'logs', 'pcaps', 'shortcut']);
  });
});
