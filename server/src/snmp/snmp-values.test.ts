import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayString, gauge32, integer32, timeTicks } from './snmp-values.js';

test('integers are clamped and never NaN', () => {
  assert.equal(integer32(Number.NaN), 0);
  assert.equal(integer32('12.7'), 12);
  assert.equal(integer32(1e12), 2_147_483_647);
  assert.equal(integer32(-1e12), -2_147_483_648);
  assert.equal(integer32(undefined, -1), -1);
  assert.equal(gauge32(-5), 0);
  assert.equal(gauge32(2 ** 40), 4_294_967_295);
  assert.equal(gauge32({}), 0);
});

test('time ticks are hundredths of a second and wrap', () => {
  assert.equal(timeTicks(12_345), 1234);
  assert.equal(timeTicks(-1), 0);
  assert.equal(timeTicks((2 ** 32 + 5) * 10), 5);
});

test('display strings are printable ASCII of at most 255 characters', () => {
  assert.equal(displayString('Zone ä\n'), 'Zone ??');
  assert.equal(displayString(null, 'none'), 'none');
  assert.equal(displayString(new Date('invalid'), 'none'), 'none');
  assert.equal(displayString('x'.repeat(300)).length, 255);
});
