import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import ssh2 from 'ssh2';
import { isAppError } from '../../platform/errors.js';
import { parseSshPublicKey, signatureVerifies } from './ssh-public-key.js';

function refusal(text: string): string {
  try {
    parseSshPublicKey(text);
  } catch (error) {
    assert.ok(isAppError(error));
    return error.message;
  }
  assert.fail('the key was accepted');
}

describe('SSH public keys', () => {
  it('reads an ed25519 .pub line with its comment and OpenSSH fingerprint', () => {
    const generated = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'ops@laptop' });
    const parsed = parseSshPublicKey(`${generated.public}\n`);
    assert.equal(parsed.type, 'ssh-ed25519');
    assert.equal(parsed.comment, 'ops@laptop');
    const blob = Buffer.from(generated.public.split(' ')[1] ?? '', 'base64');
    assert.equal(parsed.fingerprint, `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
  });

  it('refuses RSA under 2048 bits, private keys and other text', () => {
    assert.match(refusal(ssh2.utils.generateKeyPairSync('rsa', { bits: 1024 }).public), /1024 bits; at least 2048/);
    assert.match(refusal(ssh2.utils.generateKeyPairSync('ed25519').private), /private key/);
    assert.match(refusal('hello'), /Not an OpenSSH public key/);
  });

  it('verifies a signature made by the key and refuses one made by another key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    // The SSH blob of an ed25519 key: string "ssh-ed25519", string <32-byte key>.
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const field = (value: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), value]);
    const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(raw)]);
    const data = Buffer.from('session data');
    assert.equal(signatureVerifies({ type: 'ssh-ed25519', blob }, data, sign(null, data, privateKey), undefined), true);
    assert.equal(signatureVerifies({ type: 'ssh-ed25519', blob }, data, sign(null, data, other.privateKey), undefined), false);
  });
});
