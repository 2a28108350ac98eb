/**
 * When a save's confirmation reads the database: once the pushes have settled,
 * or at the latest after the wait limit; never after a stop; a failed read is
 * reported, not thrown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScopeCorrections } from '../fleet/sensors/scope-members.js';
import { PushConfirmations } from './push-confirmations.js';

const nothing: ScopeCorrections = { missed: [], outside: [] };

/** A pushesSettled the test resolves by hand. */
function pushes() {
  let settle = () => {};
  const settled = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return { settled: () => settled, settle };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('push confirmations', () => {
  it('read the database only once the pushes have settled', async () => {
    const link = pushes();
    const confirmations = new PushConfirmations({ pushesSettled: link.settled, maxWaitMs: 60_000 });
    const events: string[] = [];
    confirmations.schedule(
      async () => {
        events.push('read');
        return nothing;
      },
      () => events.push('used'),
      () => events.push('failed'),
    );
    await tick();
    assert.deepEqual(events, [], 'nothing is read while pushes are in flight');
    link.settle();
    await tick();
    assert.deepEqual(events, ['read', 'used']);
    await confirmations.stop();
  });

  it('read after the wait limit when the pushes never settle, and report a failed read', async () => {
    const confirmations = new PushConfirmations({ pushesSettled: () => new Promise(() => {}), maxWaitMs: 50 });
    const failures: unknown[] = [];
    const startedAt = performance.now();
    let readAt = 0;
    confirmations.schedule(
      async () => {
        readAt = performance.now() - startedAt;
        throw new Error('the database is gone');
      },
      () => assert.fail('a failed read has no answer to use'),
      (error) => failures.push(error),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.ok(readAt >= 45, `read after ${readAt} ms`);
    assert.equal((failures[0] as Error | undefined)?.message, 'the database is gone');
    await confirmations.stop();
  });

  it('drop the confirmations still waiting when stopped, at once', async () => {
    const confirmations = new PushConfirmations({ pushesSettled: () => new Promise(() => {}), maxWaitMs: 60_000 });
    let read = false;
    confirmations.schedule(
      async () => {
        read = true;
        return nothing;
      },
      () => {},
      () => {},
    );
    const startedAt = performance.now();
    await confirmations.stop();
    assert.ok(performance.now() - startedAt < 1000, 'stop does not wait for the limit');
    assert.equal(read, false);
  });
});
