import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, redactSecrets } from './audit-redaction.js';

test('secret-looking keys are redacted at any depth, in arrays too', () => {
  const redacted = redactSecrets({
    name: 'smtp relay',
    password: 'hunter2hunter2',
    smtp: { host: 'mail.local', authPassword: 'x', apiKey: 'k', privateKey: 'pem' },
    snmp: [{ community: 'public' }, { v3: { authKey: 'a', privPassphrase: 'p' } }],
    token: { id: 'abc', secret: 's' },
    sessionCookie: 'c',
  });
  assert.deepEqual(redacted, {
    name: 'smtp relay',
    password: REDACTED,
    smtp: { host: 'mail.local', authPassword: REDACTED, apiKey: REDACTED, privateKey: REDACTED },
    snmp: [{ community: REDACTED }, { v3: { authKey: REDACTED, privPassphrase: REDACTED } }],
    token: REDACTED,
    sessionCookie: REDACTED,
  });
});

test('values that look like credentials are redacted whatever their key', () => {
  const redacted = redactSecrets({
    note: 'gat_0123456789abcdef01234567_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    sealed: 'gse1.key.iv.tag.data',
    pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIB...',
    certificate: '-----BEGIN CERTIFICATE-----\nMIIB...',
  }) as Record<string, string>;
  assert.equal(redacted.note, REDACTED);
  assert.equal(redacted.sealed, REDACTED);
  assert.equal(redacted.pem, REDACTED);
  assert.match(redacted.certificate!, /BEGIN CERTIFICATE/);
});

test('flags and timestamps under password-ish keys are kept: they are facts, not secrets', () => {
  const redacted = redactSecrets({ mustChangePassword: true, passwordChangedAt: '2025-01-01T00:00:00.000Z', password: null });
  assert.deepEqual(redacted, { mustChangePassword: true, passwordChangedAt: '2025-01-01T00:00:00.000Z', password: null });
});

test('the result is plain JSON with storable keys', () => {
  const redacted = redactSecrets({ at: new Date(0), run: () => 1, 'a.b': 1, $set: 2, nothing: undefined });
  assert.deepEqual(redacted, { at: '1970-01-01T00:00:00.000Z', a_b: 1, _set: 2 });
  assert.equal(redactSecrets(undefined), undefined);
  assert.equal(redactSecrets(null), null);
});

test('very deep values are cut off instead of recursing without end', () => {
  let deep: Record<string, unknown> = { leaf: 1 };
  for (let index = 0; index < 50; index += 1) deep = { child: deep };
  assert.match(JSON.stringify(redactSecrets(deep)), /too deep/);
});
