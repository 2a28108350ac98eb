/**
 * When a sensor refused as 'busy' should come back (link-protocol.ts ReconnectHint).
 *
 * Without a hint a refused sensor backs off exponentially with full jitter (2 s doubling to 60 s). In a
 * 5,000-sensor connect storm the sensors refused several times sat in 30–60 s windows: 99% were linked at
 * 70 s and the last 1% took another 38 s while the console was nearly idle. Instead, each refusal is given the
 * next free slot in a queue that drains at the rate the console is admitting links right now, so the refused
 * sensors return as a steady stream the console can take, and the queue is empty when the storm is.
 *
 * The rate is measured (links admitted per second over the last few whole seconds) because it is set by the
 * database and the machine, not by configuration; a floor keeps the first refusals of a storm, before anything
 * was admitted, from being spread absurdly far apart.
 */
import type { ReconnectHint } from '../../../sensor-link/src/protocol/link-protocol.js';

/** Admissions are counted per second over this many whole seconds: long enough to smooth batched lookups, short enough to follow a storm. */
const RATE_WINDOW_SECONDS = 5;
const BUCKET_MS = 1000;
/**
 * The rate assumed when fewer links were admitted than this. Below the ~40–70 links/s the 2-core bench machine
 * admits at 5,000–10,000 sensors, so slots err on the side of too few returning sensors at once, not too many;
 * at this rate 2,400 refused sensors still fit within MAX_WAIT_MS.
 */
export const MIN_ADMISSIONS_PER_SECOND = 20;
/** No sooner than this: the refused handshake's lookup queue needs time to drain, and a sensor must not hammer straight back. */
export const MIN_WAIT_MS = 1000;
/**
 * No later than this (the protocol allows 10 minutes). The queue stops growing here: further refusals share the
 * last slot, and those refused again when they come back get a new one.
 */
export const MAX_WAIT_MS = 120_000;

export class RetrySlots {
  /** Links admitted per second; `counts[second % length]` belongs to `second` for the newest RATE_WINDOW_SECONDS + 1 seconds. */
  private readonly counts = new Array<number>(RATE_WINDOW_SECONDS + 1).fill(0);
  private currentSecond: number;
  /** When the last slot handed out begins (on the `now` clock); in the past once the queue has drained. */
  private nextSlotAt = -Infinity;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.currentSecond = Math.floor(now() / BUCKET_MS);
  }

  /** Called once per link admitted (the namespace's 'connection'). */
  admitted(): void {
    this.advance();
    const index = this.currentSecond % this.counts.length;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  /** Links admitted per second over the last whole RATE_WINDOW_SECONDS (the current second is not over yet), at least the floor. */
  admissionsPerSecond(): number {
    this.advance();
    const current = this.currentSecond % this.counts.length;
    const admitted = this.counts.reduce((sum, count, index) => (index === current ? sum : sum + count), 0);
    return Math.max(MIN_ADMISSIONS_PER_SECOND, admitted / RATE_WINDOW_SECONDS);
  }

  /**
   * The hint for one 'busy' refusal: the slot after the last one handed out, one admission interval later, and
   * never sooner than MIN_WAIT_MS or later than MAX_WAIT_MS from now. The spread is one interval, so each sensor
   * arrives at a random moment of its own slot: the same mean rate, without the exact grid of arrivals.
   */
  hint(): ReconnectHint {
    const now = this.now();
    const intervalMs = 1000 / this.admissionsPerSecond();
    this.nextSlotAt = Math.min(now + MAX_WAIT_MS, Math.max(this.nextSlotAt + intervalMs, now + MIN_WAIT_MS));
    return { afterMs: Math.round(this.nextSlotAt - now), spreadMs: Math.round(intervalMs) };
  }

  /** Moves to the current second, emptying the buckets of the seconds that passed since the last call. */
  private advance(): void {
    const second = Math.floor(this.now() / BUCKET_MS);
    const passed = Math.min(this.counts.length, second - this.currentSecond);
    for (let step = 1; step <= passed; step += 1) this.counts[(this.currentSecond + step) % this.counts.length] = 0;
    this.currentSecond = Math.max(this.currentSecond, second);
  }
}
