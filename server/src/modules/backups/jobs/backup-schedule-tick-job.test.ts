/**
 * The schedule tick's pacing: a quick tick leaves the next one alone, a slow
 * one makes the next ones wait 50 times its duration, never more than 5 minutes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TICK_WAIT_MS, TickPacer } from './backup-schedule-tick-job.js';

describe('the backup schedule tick pacer', () => {
  it('skips ticks for 50 times the last tick\'s duration, capped', async () => {
    let clock = 0;
    const pacer = new TickPacer(() => clock);
    const tickTaking = (ms: number) => async () => {
      clock += ms;
    };
    assert.equal(await pacer.run(tickTaking(10)), true, 'the first tick runs');
    clock = 20_000;
    assert.equal(await pacer.run(tickTaking(2000)), true, 'a quick tick (10 ms) leaves the next, 20 s later, alone');
    clock = 40_000;
    assert.equal(await pacer.run(tickTaking(2000)), false, 'a 2 s tick makes the next wait 100 s');
    clock = 119_999;
    assert.equal(await pacer.run(tickTaking(2000)), false);
    clock = 120_000;
    assert.equal(await pacer.run(tickTaking(60_000)), true);
    clock = 120_000 + MAX_TICK_WAIT_MS - 1;
    assert.equal(await pacer.run(tickTaking(10)), false);
    clock = 120_000 + MAX_TICK_WAIT_MS;
    assert.equal(await pacer.run(tickTaking(10)), true, 'a 60 s tick makes the next wait 5 minutes, not 50');
  });

  it('paces after a tick that failed, and passes the failure on', async () => {
    let clock = 0;
    const pacer = new TickPacer(() => clock);
    await assert.rejects(
      pacer.run(async () => {
        clock += 1000;
        throw new Error('database gone');
      }),
      /database gone/,
    );
    clock = 10_000;
    assert.equal(await pacer.run(async () => {}), false);
  });
});
