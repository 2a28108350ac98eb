import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { ThrottleStream } from './throttle-stream.js';

describe('ThrottleStream', () => {
  it('passes every byte, in order, at no more than the limit on average', async () => {
    const input = Buffer.alloc(300 * 1024, 7).map((_byte, index) => index % 251);
    const received: Buffer[] = [];
    const started = performance.now();
    await pipeline(
      Readable.from([input.subarray(0, 100_000), input.subarray(100_000)]),
      new ThrottleStream(400 * 1024),
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          received.push(chunk);
          callback();
        },
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    assert.ok(Buffer.concat(received).equals(input));
    // 300 KiB at 400 KiB/s with a 100 KiB initial burst: at least 0.5 s.
    assert.ok(seconds >= 0.45, `took ${seconds.toFixed(2)} s`);
  });
});
