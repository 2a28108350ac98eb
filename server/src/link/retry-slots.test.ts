import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_WAIT_MS, MIN_ADMISSIONS_PER_SECOND, MIN_WAIT_MS, RetrySlots } from './retry-slots.js';

/** A clock the test moves by hand. */
function manualClock(startMs = 0) {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
}

/** Admits `perSecond` links in every one of `seconds` seconds, evenly. */
function admitSteadily(slots: RetrySlots, clock: ReturnType<typeof manualClock>, perSecond: number, seconds: number): void {
  for (let link = 0; link < perSecond * seconds; link += 1) {
    slots.admitted();
    clock.advance(1000 / perSecond);
  }
}

describe('RetrySlots', () => {
  it('gives refusals at one instant consecutive slots, one admission interval apart, from MIN_WAIT_MS on', () => {
    const clock = manualClock();
    const slots = new RetrySlots(clock.now);
    const floorIntervalMs = 1000 / MIN_ADMISSIONS_PER_SECOND;
    const hints = Array.from({ length: 4 }, () => slots.hint());
    assert.deepEqual(
      hints.map((hint) => hint.afterMs),
      [0, 1, 2, 3].map((slot) => MIN_WAIT_MS + slot * floorIntervalMs),
    );
    assert.ok(hints.every((hint) => hint.spreadMs === floorIntervalMs), 'each sensor lands somewhere in its own slot');

    for (let refusal = 4; refusal < 40; refusal += 1) slots.hint();
    clock.advance(500);
    assert.equal(slots.hint().afterMs, MIN_WAIT_MS + 40 * floorIntervalMs - 500, 'a later refusal queues behind the earlier ones');
  });

  it('spaces slots at the rate links are being admitted, measured over the last few seconds', () => {
    const clock = manualClock(10_000);
    const slots = new RetrySlots(clock.now);
    admitSteadily(slots, clock, 100, 6);
    assert.equal(slots.admissionsPerSecond(), 100);
    const first = slots.hint();
    const second = slots.hint();
    assert.equal(second.afterMs - first.afterMs, 10);
    assert.equal(second.spreadMs, 10);

    // The rate follows the console: at 50 admissions a second for five seconds, the old 100 are out of the window.
    admitSteadily(slots, clock, 50, 5);
    clock.advance(1); // into the next second, so the fifth is a whole one
    assert.equal(slots.admissionsPerSecond(), 50);

    // Nothing admitted for a while (the database stalled): the floor, not a rate of zero.
    clock.advance(10_000);
    assert.equal(slots.admissionsPerSecond(), MIN_ADMISSIONS_PER_SECOND);
  });

  it('starts again at MIN_WAIT_MS once the queue has drained', () => {
    const clock = manualClock();
    const slots = new RetrySlots(clock.now);
    let last = 0;
    for (let refusal = 0; refusal < 100; refusal += 1) last = slots.hint().afterMs;
    assert.equal(last, MIN_WAIT_MS + 99 * (1000 / MIN_ADMISSIONS_PER_SECOND));
    clock.advance(last + 1);
    assert.equal(slots.hint().afterMs, MIN_WAIT_MS);
  });

  it('never asks a sensor to wait longer than MAX_WAIT_MS, however long the queue', () => {
    const clock = manualClock();
    const slots = new RetrySlots(clock.now);
    const hints = Array.from({ length: 5000 }, () => slots.hint());
    assert.ok(hints.every((hint) => hint.afterMs <= MAX_WAIT_MS));
    assert.equal(hints.at(-1)?.afterMs, MAX_WAIT_MS);
    const reachesCap = (MAX_WAIT_MS - MIN_WAIT_MS) / (1000 / MIN_ADMISSIONS_PER_SECOND);
    assert.equal(hints[reachesCap - 1]?.afterMs, MAX_WAIT_MS - 1000 / MIN_ADMISSIONS_PER_SECOND, 'spaced as usual up to the cap');

    // The queue stopped growing at the cap: a refusal a second later gets the slot after the capped ones.
    clock.advance(1000);
    assert.equal(slots.hint().afterMs, MAX_WAIT_MS - 1000 + 1000 / MIN_ADMISSIONS_PER_SECOND);
  });
});
