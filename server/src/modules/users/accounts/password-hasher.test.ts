import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PasswordHasher } from './password-hasher.js';

const hasher = new PasswordHasher();

test('hashes are argon2id with the current parameters and verify', async () => {
  const hash = await hasher.hash('copper kettle on the hill');
  assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
  assert.equal(await hasher.verify(hash, 'copper kettle on the hill'), true);
  assert.equal(await hasher.verify(hash, 'copper kettle on the hilL'), false);
  assert.equal(hasher.needsRehash(hash), false);
});

test('an unknown user (null hash) never verifies, and a malformed hash is a plain false', async () => {
  assert.equal(await hasher.verify(null, 'anything at all'), false);
  assert.equal(await hasher.verify('not-a-hash', 'anything at all'), false);
});

test('hashes with older parameters are flagged for an upgrade', () => {
  assert.equal(hasher.needsRehash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA'), true);
});

test('an unknown user takes about as long as a wrong password (dummy hash)', async () => {
  const hash = await hasher.hash('copper kettle on the hill');
  await hasher.verify(null, 'warm up the dummy hash');
  // Interleaved, so a busy machine slows both sides alike.
  let known = 0;
  let unknown = 0;
  for (let index = 0; index < 6; index += 1) {
    let started = performance.now();
    await hasher.verify(hash, 'wrong password here');
    known += performance.now() - started;
    started = performance.now();
    await hasher.verify(null, 'wrong password here');
    unknown += performance.now() - started;
  }
  const ratio = unknown / known;
  assert.ok(ratio > 0.5 && ratio < 2, `unknown/known timing ratio ${ratio.toFixed(2)} should be near 1`);
});
