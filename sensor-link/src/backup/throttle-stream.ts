/**
 * A token bucket as a Transform: bytes pass at most at `bytesPerSecond` on
 * average, in bursts of at most `burstBytes`, so a backup upload over a thin
 * link leaves room for the sensor's monitoring traffic. Backpressure does the
 * rest: while this stream waits, the file read upstream pauses.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export class ThrottleStream extends Transform {
  private tokens: number;
  private lastRefill = performance.now();
  private readonly burstBytes: number;

  constructor(private readonly bytesPerSecond: number, burstBytes?: number) {
    super({ highWaterMark: 64 * 1024 });
    if (!(bytesPerSecond > 0)) throw new Error('The upload limit must be above zero bytes per second.');
    // A quarter of a second of traffic, at least 4 KiB: small enough to keep the rate smooth.
    this.burstBytes = Math.max(4096, Math.floor(burstBytes ?? bytesPerSecond / 4));
    this.tokens = this.burstBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pass(chunk).then(() => callback(), callback);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.lastRefill) / 1000) * this.bytesPerSecond);
    this.lastRefill = now;
  }

  private async pass(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.destroyed) return;
      this.refill();
      const wanted = Math.min(chunk.length - offset, this.burstBytes);
      if (this.tokens < wanted) {
        await sleep(Math.ceil(((wanted - this.tokens) / this.bytesPerSecond) * 1000));
        continue;
      }
      this.push(chunk.subarray(offset, offset + wanted));
      this.tokens -= wanted;
      offset += wanted;
    }
  }
}
