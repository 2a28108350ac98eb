/**
 * A fixed-window counter per source address, in memory. It is per console
 * instance: with several instances behind a load balancer each one allows the
 * limit (a shared limit would need a counter in the database). The map is
 * swept on every window change, so it never holds more than one window of
 * addresses.
 */
export class SourceRateLimiter {
  private windowStartedAt = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one attempt; false when the address is over the limit in this window. */
  allow(sourceAddress: string): boolean {
    return this.attempt(sourceAddress) === 'allowed';
  }

  /**
   * Counts one attempt and says whether it is allowed, the first one refused in
   * this window (worth an audit record), or a later refusal (not: a flood of
   * refusals must not become a flood of audit writes).
   */
  attempt(sourceAddress: string): 'allowed' | 'first-refusal' | 'refused' {
    const now = this.now();
    if (now - this.windowStartedAt >= this.windowMs) {
      this.windowStartedAt = now;
      this.counts.clear();
    }
    const count = (this.counts.get(sourceAddress) ?? 0) + 1;
    this.counts.set(sourceAddress, count);
    if (count <= this.limit) return 'allowed';
    return count === this.limit + 1 ? 'first-refusal' : 'refused';
  }

  /** Seconds until the current window ends, for Retry-After. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.windowStartedAt + this.windowMs - this.now()) / 1000));
  }
}
