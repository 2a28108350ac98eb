import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ConnectionStringError,
  encodeConnectionString,
  parseAddress,
  parseConnectionString,
  type ConnectionStringContent,
  type ConnectionStringProblem,
} from './connection-string.js';

const content: ConnectionStringContent = {
  addresses: [
    { host: 'console.plant.example', port: 8444 },
    { host: '10.1.2.3', port: 8444 },
    { host: 'fd00::10', port: 9444 },
  ],
  tokenId: 'Ab3dEf6hIj9k',
  secret: randomBytes(32).toString('base64url'),
  caPin: createHash('sha256').update('ca').digest('base64url'),
  expiresAt: new Date(Date.now() + 3600_000),
};

function problemOf(text: string): { problem: ConnectionStringProblem; message: string } {
  try {
    parseConnectionString(text);
  } catch (error) {
    assert.ok(error instanceof ConnectionStringError);
    return { problem: error.problem, message: error.message };
  }
  assert.fail('the string was accepted');
}

/** Re-signs a hand-made payload, to reach the checks behind the checksum. */
function forged(payload: unknown): string {
  const body = `GRS1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createHash('sha256').update(body).digest().subarray(0, 6).toString('base64url')}`;
}

const validPayload = { a: ['10.0.0.1:8444'], t: 'Ab3dEf6hIj9k', s: content.secret, p: content.caPin, e: Math.floor(Date.now() / 1000) + 600 };

describe('connection string codec', () => {
  it('round-trips every field with copy/paste-safe characters only', () => {
    const text = encodeConnectionString(content);
    assert.match(text, /^GRS1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{8}$/);
    const parsed = parseConnectionString(text);
    assert.deepEqual(parsed.addresses, content.addresses);
    assert.equal(parsed.tokenId, content.tokenId);
    assert.equal(parsed.secret, content.secret);
    assert.equal(parsed.caPin, content.caPin);
    assert.equal(parsed.expiresAt.getTime(), Math.floor(content.expiresAt.getTime() / 1000) * 1000);
  });

  it('ignores whitespace and line breaks that copying adds', () => {
    const text = encodeConnectionString(content);
    const wrapped = `  ${text.slice(0, 30)}\n${text.slice(30, 70)}\r\n ${text.slice(70)}\n`;
    assert.equal(parseConnectionString(wrapped).secret, content.secret);
  });

  it('says the string is truncated when its end is missing', () => {
    const text = encodeConnectionString(content);
    for (const cut of [10, text.length - 12, text.length - 3]) {
      const { problem, message } = problemOf(text.slice(0, cut));
      assert.ok(problem === 'truncated', `cut at ${cut}: ${problem}`);
      assert.match(message, /truncated/);
    }
  });

  it('says the string was altered when a character changed', () => {
    const text = encodeConnectionString(content);
    const index = 20;
    const altered = text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);
    assert.equal(problemOf(altered).problem, 'altered');
  });

  it('names an unknown version and a string that is not Garrison at all', () => {
    const text = encodeConnectionString(content);
    const unknown = problemOf(`GRS2${text.slice(4)}`);
    assert.equal(unknown.problem, 'unknown-version');
    assert.match(unknown.message, /version GRS2/);
    assert.equal(problemOf('https://console.example/').problem, 'not-garrison');
    assert.equal(problemOf('   ').problem, 'empty');
  });

  it('refuses an expired string with the time it expired', () => {
    const { problem, message } = problemOf(forged({ ...validPayload, e: 1_700_000_000 }));
    assert.equal(problem, 'expired');
    assert.match(message, /expired at 2023-11-14T22:13:20\.000Z/);
  });

  it('refuses a malformed address and a bad pin', () => {
    const address = problemOf(forged({ ...validPayload, a: ['10.0.0.1:8444', 'no port here'] }));
    assert.equal(address.problem, 'malformed-address');
    assert.match(address.message, /"no port here"/);
    assert.equal(problemOf(forged({ ...validPayload, a: ['host:99999'] })).problem, 'malformed-address');
    const pin = problemOf(forged({ ...validPayload, p: 'too-short' }));
    assert.equal(pin.problem, 'bad-pin');
    assert.match(pin.message, /pin/);
  });

  it('refuses unknown fields and a missing secret as malformed content', () => {
    assert.equal(problemOf(forged({ ...validPayload, x: 1 })).problem, 'malformed');
    const { s: _secret, ...withoutSecret } = validPayload;
    assert.equal(problemOf(forged(withoutSecret)).problem, 'malformed');
  });

  it('parses host:port, [ipv6]:port and nothing else', () => {
    assert.deepEqual(parseAddress('[::1]:8444'), { host: '::1', port: 8444 });
    assert.deepEqual(parseAddress('sensor-console.local:1'), { host: 'sensor-console.local', port: 1 });
    for (const bad of ['::1:8444', 'host', 'host:', 'host:0', '[not-ip]:1', 'a b:1', 'host:8444/path']) assert.equal(parseAddress(bad), null, bad);
  });
});
