import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../errors.js';
import { defaultMasterKeyFile, loadMasterKey } from './master-key.js';
import { SecretBox } from './secret-box.js';

let root = '';
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'garrison-master-key-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

describe('loadMasterKey', () => {
  it('creates the key file 0600 in a new 0700 directory at first start, then loads the same key', async () => {
    const keyFile = path.join(root, 'first', 'config', 'garrison', 'master.key');
    const created = await loadMasterKey({ keyFile, createIfMissing: true });
    assert.deepEqual(created.source, { kind: 'file', path: keyFile, created: true });
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
    assert.equal((await stat(path.dirname(keyFile))).mode & 0o777, 0o700);
    assert.equal(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64').length, 32);

    const loaded = await loadMasterKey({ keyFile, createIfMissing: true });
    assert.equal(loaded.keyId, created.keyId);
    assert.equal(loaded.source.kind === 'file' && loaded.source.created, false);
    const sealed = new SecretBox(created).seal('x', 'ctx');
    assert.equal(new SecretBox(loaded).openText(sealed, 'ctx'), 'x');
  });

  it('gives every concurrent first start the same key', async () => {
    const keyFile = path.join(root, 'concurrent', 'master.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ keyFile, createIfMissing: true })));
    assert.equal(new Set(keys.map((key) => key.keyId)).size, 1);
    assert.equal(keys.filter((key) => key.source.kind === 'file' && key.source.created).length, 1);
  });

  it('prefers GARRISON_MASTER_KEY over the file, and refuses a malformed value without echoing it', async () => {
    const keyFile = path.join(root, 'env', 'master.key');
    const value = randomBytes(32).toString('base64');
    const fromEnvironment = await loadMasterKey({ keyBase64: value, keyFile, createIfMissing: true });
    assert.deepEqual(fromEnvironment.source, { kind: 'environment' });
    await assert.rejects(stat(keyFile), { code: 'ENOENT' });

    const short = randomBytes(16).toString('base64');
    await assert.rejects(loadMasterKey({ keyBase64: short, keyFile, createIfMissing: true }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.match(error.message, /GARRISON_MASTER_KEY must be 32 random bytes/);
      assert.ok(!error.message.includes(short));
      return true;
    });
  });

  it('refuses a key file readable by group or others, naming the file', async () => {
    const keyFile = path.join(root, 'open', 'master.key');
    await loadMasterKey({ keyFile, createIfMissing: true });
    await chmod(keyFile, 0o644);
    await rejectsWith(loadMasterKey({ keyFile, createIfMissing: true }), new RegExp(`${keyFile}.*mode 0644.*chmod 600`));
    await chmod(keyFile, 0o640);
    await rejectsWith(loadMasterKey({ keyFile, createIfMissing: true }), /readable or writable by group or others/);
  });

  it('refuses a key file of the wrong length, naming the file', async () => {
    const keyFile = path.join(root, 'short', 'master.key');
    await mkdir(path.dirname(keyFile), { recursive: true });
    await writeFile(keyFile, `${randomBytes(31).toString('base64')}\n`, { mode: 0o600 });
    await rejectsWith(loadMasterKey({ keyFile, createIfMissing: true }), new RegExp(`${keyFile} does not hold a 32-byte key`));
    await writeFile(keyFile, randomBytes(32), { mode: 0o600 });
    await rejectsWith(loadMasterKey({ keyFile, createIfMissing: true }), /does not hold a 32-byte key/);
  });

  it('refuses to start without a key when creation is not allowed', async () => {
    const keyFile = path.join(root, 'absent', 'master.key');
    await rejectsWith(loadMasterKey({ keyFile, createIfMissing: false }), /No master key: GARRISON_MASTER_KEY is not set/);
    await assert.rejects(stat(keyFile), { code: 'ENOENT' });
  });

  it('documents its default location outside the data directory', () => {
    assert.equal(defaultMasterKeyFile({}, '/home/op'), '/home/op/.config/garrison/master.key');
    assert.equal(defaultMasterKeyFile({ XDG_CONFIG_HOME: '/etc/xdg-op' }, '/home/op'), '/etc/xdg-op/garrison/master.key');
    assert.equal(defaultMasterKeyFile({ XDG_CONFIG_HOME: 'relative' }, '/home/op'), '/home/op/.config/garrison/master.key');
  });
});
