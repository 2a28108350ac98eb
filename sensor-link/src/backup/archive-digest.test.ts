/**
 * The digest announced for an upload: the adapter's own measurement when it
 * is well-formed and matches the file's size, a hashing pass otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { announcedDigest } from './archive-digest.js';

const run = promisify(execFile);
const folders: string[] = [];
after(async () => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

async function archiveFile(): Promise<{ file: string; sizeBytes: number; sha256: string }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'garrison-digest-test-'));
  folders.push(folder);
  const file = path.join(folder, 'backup.tar');
  const content = Buffer.alloc(3 * 1024 * 1024 + 17).map((_byte, index) => (index * 31) % 256);
  await writeFile(file, content);
  const { stdout } = await run('sha256sum', [file]);
  return { file, sizeBytes: content.length, sha256: stdout.split(' ')[0] ?? '' };
}

describe('announcedDigest', () => {
  it("uses the adapter's measurement when its size matches the file", async () => {
    const { file, sizeBytes } = await archiveFile();
    // A digest the file does not have: proves no second pass was made (the console would catch the mismatch).
    const measured = { sizeBytes, sha256: 'a'.repeat(64) };
    assert.deepEqual(await announcedDigest(file, measured), { ...measured, measuredBy: 'adapter' });
  });

  it('hashes the file when the adapter returned nothing, something malformed or another size', async () => {
    const { file, sizeBytes, sha256 } = await archiveFile();
    for (const produced of [undefined, { sizeBytes, sha256: 'not-hex' }, { sizeBytes: sizeBytes - 1, sha256: 'b'.repeat(64) }, { sizeBytes: -1, sha256: 'c'.repeat(64) }]) {
      assert.deepEqual(await announcedDigest(file, produced), { sizeBytes, sha256, measuredBy: 'hashing pass' });
    }
  });
});
