import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../errors.js';
import { createFileExclusive, withLockFile, writeFileAtomic } from './private-file.js';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-private-file-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('private files', () => {
  it('writes atomically with the exact mode and leaves no temporary files', async () => {
    const file = path.join(root, 'atomic.txt');
    await writeFileAtomic(file, 'one', 0o600);
    await writeFileAtomic(file, 'two', 0o644);
    assert.equal(await readFile(file, 'utf8'), 'two');
    assert.equal((await stat(file)).mode & 0o777, 0o644);
    assert.deepEqual((await readdir(root)).filter((name) => name.endsWith('.tmp')), []);
  });

  it('lets exactly one exclusive creator win', async () => {
    const file = path.join(root, 'exclusive.txt');
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((value) => createFileExclusive(file, value, 0o600)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await readFile(file, 'utf8'), ['a', 'b', 'c', 'd'][results.indexOf(true)]);
  });

  it('serialises work under a lock file and removes it afterwards', async () => {
    const lock = path.join(root, 'work.lock');
    const events: string[] = [];
    await Promise.all(
      ['first', 'second', 'third'].map((name) =>
        withLockFile(lock, async () => {
          events.push(`${name} in`);
          await sleep(30);
          events.push(`${name} out`);
        }),
      ),
    );
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i]?.replace(' in', ''), events[i + 1]?.replace(' out', ''), events.join(', '));
    }
    await assert.rejects(stat(lock), { code: 'ENOENT' });
  });

  it('takes over a lock left by a dead process or an old one', async () => {
    const deadHolder = path.join(root, 'dead.lock');
    await writeFile(deadHolder, JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), token: 'x' }));
    assert.equal(await withLockFile(deadHolder, async () => 'ran', { timeoutMs: 1000 }), 'ran');

    const oldLock = path.join(root, 'old.lock');
    await writeFile(oldLock, 'garbage');
    await utimes(oldLock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.equal(await withLockFile(oldLock, async () => 'ran', { timeoutMs: 1000, staleAfterMs: 30_000 }), 'ran');
  });

  it('gives up on a live holder with a message naming the lock file', async () => {
    const lock = path.join(root, 'busy.lock');
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'someone-else' }));
    await assert.rejects(withLockFile(lock, async () => 'never', { timeoutMs: 200 }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'timeout');
      assert.ok(error.message.includes(lock) && error.message.includes(`process ${process.pid}`));
      return true;
    });
    assert.equal(JSON.parse(await readFile(lock, 'utf8')).token, 'someone-else', 'a foreign lock is left alone');
  });
});
