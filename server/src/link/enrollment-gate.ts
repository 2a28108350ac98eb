/**
 * Admission for enrolment requests on the link port. A burst of enrolments
 * (a fleet given one connection string by automation) would otherwise all run
 * at once, interleave their database commands on the one connection, and
 * finish together, late: in a 1,000-sensor soak on a loaded machine, 435
 * sensors gave up after sensor-link's 30 s wait and never enrolled.
 *
 * So at most CONCURRENT_ENROLLMENTS run at a time and the rest wait in order.
 * A request whose expected wait (those ahead of it × the recent mean duration
 * ÷ the concurrency) is longer than `maxWaitMs` is refused at once with
 * `busy` and a Retry-After, before anything is checked or consumed; the
 * sensor waits that long and tries again.
 */

/** Enough to keep the database connection and the CPU (certificate signing) both busy. */
export const CONCURRENT_ENROLLMENTS = 4;
/** The mean duration assumed before the first enrolment finished. */
const INITIAL_MEAN_MS = 100;
/** Weight of the newest duration in the running mean. */
const MEAN_WEIGHT = 0.2;

export class EnrollmentGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private meanMs = INITIAL_MEAN_MS;

  constructor(
    private readonly maxWaitMs: number,
    private readonly concurrency = CONCURRENT_ENROLLMENTS,
  ) {}

  /** How long a request arriving now would wait for its turn. */
  expectedWaitMs(): number {
    if (this.running < this.concurrency) return 0;
    return ((this.waiting.length + 1) / this.concurrency) * this.meanMs;
  }

  /** Seconds a refused sensor should wait: about the time the queue ahead of it needs, at least 1 s. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.expectedWaitMs() / 1000));
  }

  /** Runs `work` in its turn; null (at once, `work` not called) when the wait would exceed the limit. */
  tryRun<T>(work: () => Promise<T>): Promise<T> | null {
    if (this.expectedWaitMs() > this.maxWaitMs) return null;
    return this.inTurn(work);
  }

  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    const startedAt = performance.now();
    try {
      return await work();
    } finally {
      this.meanMs = (1 - MEAN_WEIGHT) * this.meanMs + MEAN_WEIGHT * (performance.now() - startedAt);
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
