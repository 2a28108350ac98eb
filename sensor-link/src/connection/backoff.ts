/**
 * Reconnect delays: exponential backoff with full jitter (a uniformly random
 * delay between 0 and min(cap, base × 2^attempt)). Full jitter spreads a fleet
 * that lost the console at the same instant over the whole window, so the
 * console sees a steady trickle of handshakes instead of synchronised waves.
 */
export interface BackoffOptions {
  /** First window, in ms (at least 2000 in production). */
  baseMs: number;
  /** Largest window, in ms (at least 60000 in production). */
  capMs: number;
  /** Defaults to Math.random; tests pass a fixed sequence. */
  random?: () => number;
}

export const PRODUCTION_BACKOFF: BackoffOptions = { baseMs: 2000, capMs: 60_000 };

export function backoffWindowMs(attempt: number, options: BackoffOptions): number {
  // 2^attempt overflows to Infinity for large attempts; min() keeps it at the cap.
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call widens the window until the cap. */
  nextDelayMs(): number {
    const window = backoffWindowMs(this.attempt, this.options);
    this.attempt += 1;
    return Math.floor((this.options.random ?? Math.random)() * window);
  }

  /**
   * The console announced a planned restart (link-protocol.ts ReconnectHint): the delay is `afterMs` plus a
   * random share of `spreadMs`, and a failed attempt after it backs off from the smallest window again.
   */
  hintedDelayMs(hint: { afterMs: number; spreadMs: number }): number {
    this.attempt = 0;
    return hint.afterMs + Math.floor((this.options.random ?? Math.random)() * hint.spreadMs);
  }

  /** After a link that held: start again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
