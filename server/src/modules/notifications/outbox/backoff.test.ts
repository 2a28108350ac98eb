import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from './backoff.js';

test('delays double per attempt, are capped, and are jittered into [half, full)', () => {
  const policy = { baseMs: 1000, maxMs: 8000 };
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((attempt) => retryDelayMs(policy, attempt, () => 0.999999)), [1000, 2000, 4000, 8000, 8000, 8000]);
  assert.equal(retryDelayMs(policy, 3, () => 0), 2000);
});
