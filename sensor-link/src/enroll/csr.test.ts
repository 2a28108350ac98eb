import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { createKeyAndCsr } from './csr.js';

function openssl(args: string[], input: string): { status: number | null; stdout: string; output: string } {
  const run = spawnSync('openssl', args, { input, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, output: `${run.stdout}${run.stderr}` };
}

describe('createKeyAndCsr', () => {
  it('creates an RSA 2048 key and a SHA-256 CSR that openssl verifies', async () => {
    const { privateKeyPem, csrPem } = await createKeyAndCsr({ commonName: 'sensor-01' });
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----\n$/);
    assert.ok(!csrPem.includes('\r'));

    const checked = openssl(['req', '-verify', '-noout', '-text'], csrPem);
    assert.equal(checked.status, 0, checked.output);
    assert.match(checked.output, /self-signature verify OK/);
    assert.match(checked.output, /Subject: CN = sensor-01/);
    assert.match(checked.output, /Public-Key: \(2048 bit\)/);
    assert.match(checked.output, /Signature Algorithm: sha256WithRSAEncryption/);

    const privateKey = createPrivateKey(privateKeyPem);
    assert.equal(privateKey.asymmetricKeyType, 'rsa');
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    const csrPublicKey = openssl(['req', '-noout', '-pubkey'], csrPem).stdout;
    assert.equal(
      createPublicKey(csrPublicKey).export({ type: 'spki', format: 'pem' }),
      createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }),
      'the CSR carries the public half of the returned key',
    );
  });

  it('creates a new key every time', async () => {
    const [first, second] = await Promise.all([createKeyAndCsr({ commonName: 'a' }), createKeyAndCsr({ commonName: 'a' })]);
    assert.notEqual(first.privateKeyPem, second.privateKeyPem);
  });

  it('refuses an empty or overlong common name', async () => {
    await assert.rejects(createKeyAndCsr({ commonName: '  ' }), /The common name is empty/);
    await assert.rejects(createKeyAndCsr({ commonName: 'x'.repeat(65) }), /longer than 64 characters/);
  });
});
