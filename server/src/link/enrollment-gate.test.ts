import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnrollmentGate } from './enrollment-gate.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EnrollmentGate', () => {
  it('runs at most its concurrency at once, the rest in order of arrival', async () => {
    const gate = new EnrollmentGate(60_000, 2);
    let running = 0;
    let most = 0;
    const finished: number[] = [];
    const work = (id: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(30);
      running -= 1;
      finished.push(id);
      return id;
    };
    const results = await Promise.all([1, 2, 3, 4, 5].map((id) => gate.tryRun(work(id))));
    assert.deepEqual(results, [1, 2, 3, 4, 5]);
    assert.equal(most, 2);
    assert.deepEqual(finished.slice(2), [3, 4, 5], 'the waiting ones ran in order');
    assert.equal(gate.expectedWaitMs(), 0, 'nothing is running afterwards');
  });

  it('refuses at once, without running the work, when the expected wait is over the limit, and says when to come back', async () => {
    const gate = new EnrollmentGate(250, 1);
    // Teach it that an enrolment takes about 200 ms.
    for (let round = 0; round < 12; round += 1) await gate.tryRun(() => sleep(200).then(() => round));
    const first = gate.tryRun(() => sleep(200));
    assert.ok(first, 'a free slot is taken at once');
    const second = gate.tryRun(() => sleep(200));
    assert.ok(second, 'one ahead: about 200 ms, inside the limit');
    let called = false;
    const third = gate.tryRun(async () => {
      called = true;
    });
    assert.equal(third, null, 'two ahead: about 400 ms, over the limit');
    assert.equal(called, false);
    assert.equal(gate.retryAfterSeconds(), 1);
    await Promise.all([first, second]);
    assert.ok(gate.tryRun(async () => 'later'), 'admitted again once the queue drained');
  });
});
