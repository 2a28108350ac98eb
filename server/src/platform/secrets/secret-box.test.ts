import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { AppError } from '../errors.js';
import { MasterKey } from './master-key.js';
import { MASKED, SecretBox, maskSecret } from './secret-box.js';

function box(): SecretBox {
  return new SecretBox(new MasterKey(randomBytes(32), { kind: 'environment' }));
}

function assertOpenFails(action: () => unknown, reason: string, forbidden: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof AppError);
    assert.equal((error.details as { reason: string }).reason, reason);
    assert.ok(!error.message.includes(forbidden), 'the error must not contain the plaintext');
    return true;
  });
}

describe('SecretBox', () => {
  it('round-trips text and bytes in the versioned, key-identified format', () => {
    const secretBox = box();
    const sealed = secretBox.seal('hunter2 ünïcödé', 'smtp.password');
    assert.match(sealed, /^gse1\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.equal(sealed.split('.')[1], secretBox.keyId);
    assert.ok(!sealed.includes('hunter2'));
    assert.equal(secretBox.openText(sealed, 'smtp.password'), 'hunter2 ünïcödé');

    const bytes = randomBytes(300);
    assert.deepEqual(secretBox.open(secretBox.seal(bytes, 'pki.ca.private-key'), 'pki.ca.private-key'), bytes);
    assert.equal(secretBox.openText(secretBox.seal('', 'empty'), 'empty'), '');
  });

  it('uses a fresh IV per seal', () => {
    const secretBox = box();
    assert.notEqual(secretBox.seal('same', 'ctx'), secretBox.seal('same', 'ctx'));
  });

  it('refuses a value moved to another field', () => {
    const secretBox = box();
    const sealed = secretBox.seal('s3cret-value', 'smtp.password');
    assertOpenFails(() => secretBox.open(sealed, 'syslog.password'), 'integrity', 's3cret-value');
  });

  it('refuses tampered ciphertext, tag, IV and header', () => {
    const secretBox = box();
    const sealed = secretBox.seal('s3cret-value', 'smtp.password');
    const parts = sealed.split('.');
    const flip = (text: string): string => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    for (const index of [2, 3, 4]) {
      const tampered = parts.map((part, i) => (i === index ? flip(part) : part)).join('.');
      assertOpenFails(() => secretBox.open(tampered, 'smtp.password'), 'integrity', 's3cret-value');
    }
    assertOpenFails(() => secretBox.open(sealed.slice(0, -3), 'smtp.password'), 'integrity', 's3cret-value');
    assertOpenFails(() => secretBox.open(`gse2${sealed.slice(4)}`, 'smtp.password'), 'malformed', 's3cret-value');
    assertOpenFails(() => secretBox.open('not sealed at all', 'smtp.password'), 'malformed', 's3cret-value');
  });

  it('says which master key sealed a value when the console runs with another', () => {
    const sealer = box();
    const other = box();
    const sealed = sealer.seal('s3cret-value', 'smtp.password');
    assert.throws(() => other.open(sealed, 'smtp.password'), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal((error.details as { reason: string }).reason, 'wrong_key');
      assert.ok(error.message.includes(sealer.keyId) && error.message.includes(other.keyId));
      return true;
    });
    // A forged key id still fails the integrity check.
    const forged = sealed.replace(sealer.keyId, other.keyId);
    assertOpenFails(() => other.open(forged, 'smtp.password'), 'integrity', 's3cret-value');
  });

  it('opens with an equal master key loaded again', () => {
    const bytes = randomBytes(32);
    const sealed = new SecretBox(new MasterKey(bytes, { kind: 'environment' })).seal('x', 'ctx');
    assert.equal(new SecretBox(new MasterKey(bytes, { kind: 'environment' })).openText(sealed, 'ctx'), 'x');
  });

  it('rejects contexts that are not field-like names', () => {
    assert.throws(() => box().seal('x', ''), AppError);
    assert.throws(() => box().seal('x', 'has space'), AppError);
  });

  it('masks set secrets and leaves unset ones empty', () => {
    assert.equal(MASKED, '••••');
    assert.equal(maskSecret('anything'), MASKED);
    assert.equal(maskSecret(''), '');
    assert.equal(maskSecret(null), '');
    assert.equal(maskSecret(undefined), '');
  });

  it('never shows the master key bytes when logged or serialised', () => {
    const bytes = randomBytes(32);
    const masterKey = new MasterKey(bytes, { kind: 'environment' });
    for (const shown of [inspect(masterKey), JSON.stringify(masterKey), String(masterKey)]) {
      assert.ok(!shown.includes(bytes.toString('base64')) && !shown.includes(bytes.toString('hex')));
    }
    assert.equal(inspect(masterKey), `MasterKey(${masterKey.keyId})`);
  });
});
