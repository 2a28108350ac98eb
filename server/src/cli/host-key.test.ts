import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { fingerprintOf, generateHostKey } from './host-key.js';

describe('SSH host key', () => {
  it('is always readable by ssh2, although its generator sometimes writes an unreadable key', () => {
    // At ~1 in 250 unreadable keys, 1,000 unchecked keys fail this almost surely.
    for (let index = 0; index < 1000; index += 1) {
      const key = generateHostKey();
      assert.ok(!(ssh2.utils.parseKey(key) instanceof Error), `key ${index} parses`);
    }
  });

  it('has an OpenSSH-style SHA256 fingerprint', () => {
    assert.match(fingerprintOf(generateHostKey()), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
