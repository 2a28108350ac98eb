import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, backoffWindowMs } from './backoff.js';

describe('backoff with full jitter', () => {
  it('doubles the window from the base up to the cap, and never overflows', () => {
    const options = { baseMs: 2000, capMs: 60_000 };
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffWindowMs(attempt, options)), [2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    assert.equal(backoffWindowMs(5000, options), 60_000);
  });

  it('draws each delay uniformly inside the current window', () => {
    const draws = [0, 0.5, 0.999, 0.25];
    const backoff = new Backoff({ baseMs: 1000, capMs: 4000, random: () => draws.shift() ?? 0 });
    assert.deepEqual([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()], [0, 1000, 3996, 1000]);
  });

  it('spreads a thousand sensors over the window instead of a single instant', () => {
    const delays = Array.from({ length: 1000 }, () => new Backoff({ baseMs: 2000, capMs: 60_000 }).nextDelayMs());
    assert.ok(delays.every((delay) => delay >= 0 && delay < 2000));
    const buckets = new Array<number>(4).fill(0);
    for (const delay of delays) buckets[Math.floor(delay / 500)] = (buckets[Math.floor(delay / 500)] ?? 0) + 1;
    assert.ok(buckets.every((count) => count > 150), `roughly uniform: ${buckets.join(', ')}`);
  });

  it('starts over after reset', () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 10_000, random: () => 0.999 });
    backoff.nextDelayMs();
    backoff.nextDelayMs();
    assert.equal(backoff.attempts, 2);
    backoff.reset();
    assert.equal(backoff.nextDelayMs(), 99);
  });

  it("waits out a planned restart's hint, then backs off from the first window again", () => {
    const draws = [0, 0, 0, 0.5, 0.999];
    const backoff = new Backoff({ baseMs: 1000, capMs: 8000, random: () => draws.shift() ?? 0 });
    backoff.nextDelayMs();
    backoff.nextDelayMs();
    backoff.nextDelayMs();
    assert.equal(backoff.hintedDelayMs({ afterMs: 5000, spreadMs: 2000 }), 6000);
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.nextDelayMs(), 999, 'the first window again');
  });
});
