import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PipelinedBatch } from './pipelined-batch.js';

/** A read the test finishes by hand, recording which keys each read got. */
function manualReads() {
  const reads: Array<{ keys: number[]; finish: (error?: Error) => void }> = [];
  const readMany = (keys: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      reads.push({ keys, finish: (error) => (error ? reject(error) : resolve(keys.map((key) => `value ${key}`))) });
    });
  return { reads, readMany };
}

describe('PipelinedBatch', () => {
  it("reads one turn's keys together, and batches the keys asked for while a read runs", async () => {
    const { reads, readMany } = manualReads();
    const batch = new PipelinedBatch(readMany, 3);
    const first = batch.load(1);
    assert.equal(reads.length, 0, 'not before the turn ends');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reads.map((read) => read.keys), [[1]], 'read in the next turn, alone');
    const waiting = [2, 3, 4, 5].map((key) => batch.load(key));
    assert.equal(batch.size, 5);
    assert.equal(reads.length, 1, 'one read in flight at most');
    reads[0]?.finish();
    assert.equal(await first, 'value 1');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reads[1]?.keys, [2, 3, 4], 'the next read takes what waited, up to maxKeys');
    reads[1]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reads[2]?.keys, [5]);
    reads[2]?.finish();
    assert.deepEqual(await Promise.all(waiting), ['value 2', 'value 3', 'value 4', 'value 5']);
    assert.equal(batch.size, 0);
  });

  it('fails only the keys of a failed read; the next read goes on', async () => {
    const { reads, readMany } = manualReads();
    const batch = new PipelinedBatch(readMany, 10);
    const failing = batch.load(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = batch.load(2);
    reads[0]?.finish(new Error('database down'));
    await assert.rejects(failing, /database down/);
    await new Promise((resolve) => setImmediate(resolve));
    reads[1]?.finish();
    assert.equal(await later, 'value 2');
  });

  it('estimates the wait from the reads it has timed', async () => {
    const batch = new PipelinedBatch((keys: number[]) => new Promise<number[]>((resolve) => setTimeout(() => resolve(keys), 40)), 2);
    assert.equal(batch.expectedWaitMs(), 0, 'nothing timed yet');
    await batch.load(1);
    const oneRead = batch.expectedWaitMs();
    assert.ok(oneRead > 5, `one read timed: ${oneRead} ms`);
    const pending = [2, 3, 4, 5, 6].map((key) => batch.load(key));
    assert.ok(batch.expectedWaitMs() >= 3 * oneRead, 'a read in flight and two batches ahead');
    await Promise.all(pending);
  });

  it('admits a key when idle however slow the last read was, and sheds load only while reads are queued', async () => {
    const { reads, readMany } = manualReads();
    const batch = new PipelinedBatch(readMany, 2);
    const slow = batch.load(1);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 60));
    reads[0]?.finish();
    await slow;
    assert.ok(batch.expectedWaitMs() > 10, 'the slow read is in the estimate');
    assert.equal(batch.admits(10), true, 'idle: a refusal could never refresh the estimate, so the key is taken');
    const next = batch.load(2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(batch.admits(10), false, 'a read in flight and the estimate above the limit: shed');
    assert.equal(batch.admits(10_000), true);
    reads[1]?.finish();
    await next;
  });
});
