import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceRateLimiter } from './source-rate-limiter.js';

describe('SourceRateLimiter', () => {
  it('allows the limit per address per window, counts addresses apart, and starts over each window', () => {
    let now = 0;
    const limiter = new SourceRateLimiter(20, 60_000, () => now);
    const first = Array.from({ length: 25 }, () => limiter.allow('10.0.0.1'));
    assert.equal(first.filter(Boolean).length, 20);
    assert.equal(limiter.allow('10.0.0.2'), true, 'another address has its own budget');
    const other = new SourceRateLimiter(1, 60_000, () => now);
    assert.deepEqual([other.attempt('a'), other.attempt('a'), other.attempt('a')], ['allowed', 'first-refusal', 'refused']);
    now = 30_000;
    assert.equal(limiter.allow('10.0.0.1'), false);
    assert.equal(limiter.retryAfterSeconds(), 30);
    now = 60_000;
    assert.equal(limiter.allow('10.0.0.1'), true);
  });
});
