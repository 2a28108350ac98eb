/**
 * Retry timing: exponential backoff with jitter, capped, until a deadline.
 * Attempt n (1-based, the attempt that just failed) waits base·2^(n-1), capped at
 * max, then scaled by a random factor in [0.5, 1) so many deliveries that failed
 * together (a SIEM outage) do not all return at the same instant.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export function retryDelayMs(policy: BackoffPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(30, Math.max(0, failedAttempt - 1)));
  return Math.round(exponential * (0.5 + random() / 2));
}
