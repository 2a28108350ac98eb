import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerTokenOf, hashTokenSecret, newApiToken, parseApiToken, secretMatches } from './api-token-format.js';
import { roleWithin } from './api-token-service.js';

test('a new token parses back into its id and a 256-bit secret', () => {
  const { id, secret, token } = newApiToken();
  assert.match(token, /^gat_[a-f0-9]{24}_[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(parseApiToken(token), { id, secret });
  assert.equal(Buffer.from(secret, 'base64url').length, 32);
});

test('malformed tokens do not parse', () => {
  const { token } = newApiToken();
  for (const bad of ['', 'gat_', token.slice(0, -1), `${token}x`, token.replace('gat_', 'gxt_'), token.toUpperCase()]) {
    assert.equal(parseApiToken(bad), null, bad);
  }
});

test('secrets are compared by hash', () => {
  const { secret } = newApiToken();
  const stored = hashTokenSecret(secret);
  assert.equal(secretMatches(secret, stored), true);
  const altered = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  assert.equal(secretMatches(altered, stored), false);
  assert.equal(secretMatches(secret, 'abcd'), false);
});

test('only the Bearer scheme carries a token', () => {
  assert.equal(bearerTokenOf('Bearer gat_x'), 'gat_x');
  assert.equal(bearerTokenOf('bearer  gat_x '), 'gat_x');
  assert.equal(bearerTokenOf('Basic YWRtaW46eA=='), null);
  assert.equal(bearerTokenOf('Bearer'), null);
});

test("a token's role may not exceed its creator's", () => {
  assert.equal(roleWithin('read-only', 'admin'), true);
  assert.equal(roleWithin('security-analyst', 'security-analyst'), true);
  assert.equal(roleWithin('read-only', 'security-analyst'), true);
  assert.equal(roleWithin('admin', 'security-analyst'), false);
  assert.equal(roleWithin('security-analyst', 'read-only'), false);
});
