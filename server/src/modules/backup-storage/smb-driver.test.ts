/**
 * smbclient's `ls`, `du` and NT_STATUS output as Samba 4.17 prints them,
 * turned into files, space and failure codes; then the upload path against a
 * real Samba: bytes land exactly while the event loop stalls, a smbclient
 * that stops taking bytes holds the writer back after a bounded amount, and
 * no pipe descriptor outlives a write, whether committed, aborted or refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { after, before, describe, it, test } from 'node:test';
import { waitFor } from '../../../../test/helpers/free-ports.js';
import { startSamba, type Samba } from '../../../../test/helpers/samba.js';
import { parseListing, parseSpace, SmbStorageDriver } from './smb-driver.js';
import { smbFailure } from './smbclient-process.js';
import type { StorageError } from './storage-driver.js';

const LS = [
  '  .                                   D        0  Wed Dec  2 04:30:09 2026',
  '  ..                                  D        0  Wed Dec  2 04:30:09 2026',
  '  sensor b-backup-version-1.2.3-2026-12-02_03-00-00.tar      A 52428800  Wed Dec  2 04:30:10 2026',
  '  half.tar.partial                    A     1000  Tue Dec  1 23:59:59 2026',
  '  garrison                            D        0  Wed Dec  2 04:30:09 2026',
  '',
  '\t\t264212084 blocks of size 1024. 82052056 blocks available',
].join('\n');

test('ls lists files (partials too, never folders) with sizes and times', () => {
  const files = parseListing(LS);
  assert.deepEqual(
    files.map((file) => [file.name, file.sizeBytes]),
    [
      ['sensor b-backup-version-1.2.3-2026-12-02_03-00-00.tar', 52428800],
      ['half.tar.partial', 1000],
    ],
  );
  assert.equal(files[0]!.modifiedAt.getFullYear(), 2026);
});

test('du gives total and free bytes', () => {
  assert.deepEqual(parseSpace(`${LS}\nTotal number of bytes: 52429800\n`), { totalBytes: 264212084 * 1024, freeBytes: 82052056 * 1024 });
  assert.equal(parseSpace('nothing useful'), null);
});

test('NT_STATUS words become failure codes with words a person reads', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['session setup failed: NT_STATUS_LOGON_FAILURE', 'logon-failure', /logon failure/],
    ['tree connect failed: NT_STATUS_BAD_NETWORK_NAME', 'share-not-found', /share not found/],
    ['NT_STATUS_ACCESS_DENIED opening remote file \\x.partial', 'access-denied', /access denied/],
    ['cli_push returned NT_STATUS_DISK_FULL', 'not-enough-space', /disk full/],
    ['do_connect: Connection to 10.0.0.9 failed (Error NT_STATUS_HOST_UNREACHABLE)', 'unreachable', /host unreachable/],
    ['do_connect: Connection to 127.0.0.1 failed (Error NT_STATUS_CONNECTION_REFUSED)', 'unreachable', /host unreachable/],
    ['NT_STATUS_IO_TIMEOUT', 'unreachable', /host unreachable/],
    ['NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \\nope.tar', 'not-found', /not found/],
    ['something odd happened', 'io-error', /smbclient said "something odd happened"/],
  ];
  for (const [output, code, words] of cases) {
    const failure = smbFailure(output, 'do it');
    assert.equal(failure.code, code, output);
    assert.match(failure.message, words);
  }
});

const MIB = 1024 * 1024;
const run = promisify(execFile);

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Writes `chunk` until the stream pushes back, then waits for 'drain' at most `waitMs`; true if it drained. */
async function writeUntilHeldBack(stream: Writable, chunk: Buffer, waitMs: number): Promise<{ accepted: number; drained: boolean }> {
  let accepted = 0;
  while (stream.write(chunk)) accepted += chunk.length;
  accepted += chunk.length;
  const drained = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), waitMs);
    stream.once('drain', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  return { accepted, drained };
}

describe('SMB uploads through smbclient', () => {
  let samba: Samba;
  let driver: SmbStorageDriver;
  let driverWithWrongPassword: SmbStorageDriver;

  before(async () => {
    samba = await startSamba();
    const connection = { host: samba.normal.host, port: samba.normal.port, share: samba.normal.share, directory: '', domain: '', user: samba.user, password: samba.password, minimumProtocol: 'SMB2' as const, requireEncryption: false };
    driver = new SmbStorageDriver(connection);
    driverWithWrongPassword = new SmbStorageDriver({ ...connection, password: 'not-the-password' });
  });
  after(async () => {
    await samba?.stop();
  });

  it('stores every byte while the event loop stalls (garbage collection, TLS) every few chunks', async () => {
    const size = 40 * MIB;
    const block = randomBytes(MIB);
    let sent = 0;
    const source = new Readable({
      read() {
        // 50 ms without the event loop every 4 MiB: smbclient keeps reading from what the worker holds.
        if (sent % (4 * MIB) === 0) {
          const until = Date.now() + 50;
          while (Date.now() < until);
        }
        const part = block.subarray(sent % MIB, sent % MIB + Math.min(64 * 1024, size - sent));
        sent += part.length;
        this.push(part.length > 0 ? Buffer.from(part) : null);
      },
    });
    const write = await driver.openWrite('stalls.tar');
    await pipeline(source, write.stream);
    const stored = await write.commit(size);
    assert.equal(stored.sizeBytes, size);
    const onShare = await readFile(path.join(samba.normal.path, 'stalls.tar'));
    const expected = createHash('sha256');
    for (let offset = 0; offset < size; offset += MIB) expected.update(block);
    assert.equal(createHash('sha256').update(onShare).digest('hex'), expected.digest('hex'));
  });

  it('holds the writer back after a bounded amount while smbclient takes nothing, then finishes', async () => {
    const write = await driver.openWrite('held-back.tar');
    const smbclient = Number((await run('pgrep', ['-P', String(process.pid), '-n', 'smbclient'])).stdout.trim());
    assert.ok(smbclient > 0, 'the upload runs smbclient as a child of this process');
    process.kill(smbclient, 'SIGSTOP');
    let total = 0;
    try {
      // Write until the stream stays full for a second; each 'drain' before that is room the pipe or the queue had.
      for (let rounds = 0; rounds < 200; rounds += 1) {
        const { accepted, drained } = await writeUntilHeldBack(write.stream, Buffer.alloc(256 * 1024, 7), 1_000);
        total += accepted;
        if (!drained) break;
      }
    } finally {
      process.kill(smbclient, 'SIGCONT');
    }
    await new Promise<void>((resolve, reject) => write.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const stored = await write.commit(total);
    assert.equal(stored.sizeBytes, total);
    // 8 MiB queued + 1 MiB being filled + the stream's 1 MiB + the 1 MiB pipe + what smbclient read before it stopped (one SMB write, 8 MiB at most).
    assert.ok(total <= 24 * MIB, `the stream took ${total} bytes while smbclient read nothing`);
  });

  it('closes its pipe after a commit, an abort mid-transfer and a refused logon', async () => {
    const before = openDescriptors();
    const committed = await driver.openWrite('closed-after-commit.tar');
    await pipeline(Readable.from([randomBytes(3 * MIB)]), committed.stream);
    await committed.commit(3 * MIB);

    const aborted = await driver.openWrite('closed-after-abort.tar');
    await writeUntilHeldBack(aborted.stream, Buffer.alloc(MIB, 1), 200);
    await aborted.abort();
    assert.deepEqual(readdirSync(samba.normal.path).filter((name) => name.startsWith('closed-after')), ['closed-after-commit.tar']);

    const refused = await driverWithWrongPassword.openWrite('refused.tar');
    await pipeline(Readable.from([randomBytes(2 * MIB)]), refused.stream).catch(() => undefined);
    await assert.rejects(refused.commit(2 * MIB), (error: StorageError) => error.code === 'logon-failure');
    await refused.abort();

    await waitFor(() => openDescriptors() <= before, 5_000, () => `${openDescriptors()} descriptors open, ${before} before`);
  });
});
