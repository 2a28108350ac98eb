/**
 * The storage drivers against real storage: a 50 MB file streamed through the
 * local driver and through smbclient to a normal and a hardened Samba share
 * (written, listed, read back byte for byte), a full share ('not-enough-space'
 * and no complete-looking file), stale partials, and hostile names refused.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { LocalStorageDriver } from '../../server/src/modules/backup-storage/local-driver.js';
import { SmbStorageDriver } from '../../server/src/modules/backup-storage/smb-driver.js';
import type { SmbConnection } from '../../server/src/modules/backup-storage/smbclient-process.js';
import { StorageError, type StorageDriver } from '../../server/src/modules/backup-storage/storage-driver.js';
import { writesInProgress } from '../../server/src/modules/backup-storage/writes-in-progress.js';
import { waitFor } from '../helpers/free-ports.js';
import { startSamba, type Samba, type SambaShare } from '../helpers/samba.js';
import { makeTempDir as makeTempDirectory } from '../helpers/test-console.js';

const temporaryDirectories: string[] = [];
/** A temporary folder removed after the tests. */
async function makeTempDir(prefix: string): Promise<string> {
  const directory = await makeTempDirectory(prefix);
  temporaryDirectories.push(directory);
  return directory;
}

const FIFTY_MB = 50 * 1024 * 1024;
let samba: Samba;

function smbDriver(share: SambaShare, hardened = false): SmbStorageDriver {
  return new SmbStorageDriver({ ...smbConnection(share), minimumProtocol: hardened ? 'SMB3' : 'SMB2', requireEncryption: hardened });
}

function smbConnection(share: SambaShare): SmbConnection {
  return {
    host: share.host,
    port: share.port,
    share: share.share,
    directory: '',
    domain: '',
    user: samba.user,
    password: samba.password,
    minimumProtocol: 'SMB2',
    requireEncryption: false,
  };
}

/** `size` pseudo-random bytes in 1 MiB chunks, never all in memory, with their SHA-256. */
function generated(size: number): { stream: Readable; digest: Promise<string> } {
  const block = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  let sent = 0;
  let resolveDigest: (digest: string) => void = () => undefined;
  const digest = new Promise<string>((resolve) => (resolveDigest = resolve));
  const stream = new Readable({
    read() {
      if (sent >= size) {
        resolveDigest(hash.digest('hex'));
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - sent)));
      chunk.writeUInt32BE(sent / 1024, 0); // every chunk differs
      hash.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, digest };
}

async function digestOf(stream: Readable): Promise<{ digest: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), bytes };
}

async function roundTrip(driver: StorageDriver, name: string): Promise<void> {
  const source = generated(FIFTY_MB);
  const started = Date.now();
  const write = await driver.openWrite(name);
  await pipeline(source.stream, write.stream);
  const stored = await write.commit(FIFTY_MB);
  const writeMs = Date.now() - started;
  // The SMB driver says how long the upload waited for smbclient (logged per run); it cannot exceed the write itself.
  const waitedMs = write.waitedForTargetMs?.();
  if (driver instanceof SmbStorageDriver) assert.ok(typeof waitedMs === 'number' && waitedMs >= 0 && waitedMs <= writeMs, `waited ${waitedMs} ms of ${writeMs} ms`);
  assert.equal(stored.name, name);
  assert.equal(stored.sizeBytes, FIFTY_MB);
  const listed = await driver.list(name.slice(0, 6));
  assert.deepEqual(listed.map((file) => [file.name, file.sizeBytes]), [[name, FIFTY_MB]]);
  const readStarted = Date.now();
  const readBack = await digestOf(await driver.read(name));
  const readMs = Date.now() - readStarted;
  assert.equal(readBack.bytes, FIFTY_MB);
  assert.equal(readBack.digest, await source.digest);
  console.log(`${driver.description}: 50 MiB written in ${writeMs} ms (${((FIFTY_MB / 1048576 / writeMs) * 1000).toFixed(0)} MiB/s), read in ${readMs} ms`);
  await driver.remove(name);
  assert.deepEqual(await driver.list(name.slice(0, 6)), []);
  await assert.rejects(driver.read(name), (error: StorageError) => error instanceof StorageError && error.code === 'not-found');
}

before(async () => {
  samba = await startSamba();
});
after(async () => {
  await Promise.all(temporaryDirectories.map((directory) => rm(directory, { recursive: true, force: true })));
  await samba?.stop();
});

describe('storage drivers', () => {
  it('streams 50 MB through the local driver (files 0600)', async () => {
    const directory = path.join(await makeTempDir('local-driver'), 'backups');
    const driver = new LocalStorageDriver(directory);
    await driver.prepare();
    const write = await driver.openWrite('probe.tar');
    write.stream.end(Buffer.from('x'));
    await write.commit(1);
    assert.equal((await stat(path.join(directory, 'probe.tar'))).mode & 0o777, 0o600);
    await driver.remove('probe.tar');
    await roundTrip(driver, 'sensor-a-backup-version-1.2.3-2026-12-02_03-00-00.tar');
    const space = await driver.space();
    assert.ok(space && space.freeBytes > 0 && space.totalBytes >= space.freeBytes);
  });

  it('streams 50 MB through smbclient to a normal share', async () => {
    await roundTrip(smbDriver(samba.normal), 'sensor b-backup-version-1.2.3-2026-12-02_03-00-00.tar');
  });

  it('streams 50 MB through smbclient to a hardened share (SMB3, encryption required)', async () => {
    await roundTrip(smbDriver(samba.hardened, true), 'sensor-c-backup-version-1.2.3-2026-12-02_03-00-00.tar');
  });

  it('reports a full share as not-enough-space and leaves no complete-looking file', async () => {
    const driver = smbDriver(samba.full);
    const small = await driver.openWrite('earlier.tar');
    small.stream.end(Buffer.alloc(1000, 1));
    await small.commit(1000);

    const size = samba.fullCapacityBytes * 2;
    const write = await driver.openWrite('too-big.tar');
    // The writer may see the broken pipe first; commit() says why.
    await pipeline(generated(size).stream, write.stream).catch(() => undefined);
    await assert.rejects(write.commit(size), (error: StorageError) => {
      assert.equal(error.code, 'not-enough-space', error.message);
      assert.match(error.message, /disk full/);
      return true;
    });
    await write.abort();
    assert.deepEqual((await driver.list()).map((file) => file.name), ['earlier.tar'], 'the earlier file survives, the failed one is not listed');
    assert.deepEqual((await readdir(samba.full.path)).sort(), ['earlier.tar'], 'no partial is left on the share');
  });

  it('a refused logon during a large upload fails commit() with logon-failure, the process unharmed', async () => {
    const driver = new SmbStorageDriver({ ...smbConnection(samba.normal), password: 'wrong-password' });
    const write = await driver.openWrite('refused.tar');
    await pipeline(generated(FIFTY_MB).stream, write.stream).catch(() => undefined);
    await assert.rejects(write.commit(FIFTY_MB), (error: StorageError) => error.code === 'logon-failure');
    await write.abort();
    assert.deepEqual(await readdir(samba.normal.path).then((names) => names.filter((name) => name.startsWith('refused'))), []);
  });

  it('cleans stale partials, but not one being written', async () => {
    const localDirectory = await makeTempDir('partials');
    const cases: Array<[StorageDriver, string, string]> = [
      [smbDriver(samba.normal), samba.normal.path, '/'],
      [new LocalStorageDriver(localDirectory), localDirectory, path.sep],
    ];
    for (const [driver, folder, separator] of cases) {
      const crashed = await driver.openWrite('crashed.tar');
      crashed.stream.end(Buffer.alloc(10));
      await waitFor(async () => (await stat(path.join(folder, 'crashed.tar.partial')).catch(() => null))?.size === 10, 10_000);
      // A crash: the bytes landed as .partial and nobody will commit; this process forgets the write.
      writesInProgress.delete(`${driver.description}${separator}crashed.tar.partial`);
      const live = await driver.openWrite('live.tar');
      assert.equal(await driver.removeStalePartials(), 1, driver.description);
      live.stream.end(Buffer.alloc(5));
      await live.commit(5);
      assert.deepEqual((await driver.list()).map((file) => file.name), ['live.tar']);
      await driver.remove('live.tar');
    }
  });

  it('refuses hostile names before touching storage', async () => {
    const driver = smbDriver(samba.normal);
    for (const name of ['../escape.tar', 'a/b.tar', 'a\\b.tar', 'x";del *', 'x;rm', '.hidden', 'name.partial', 'nul\0.tar', '']) {
      await assert.rejects(driver.openWrite(name), /file name/, JSON.stringify(name));
    }
  });
});
