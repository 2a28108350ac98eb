/**
 * When a sign-in session ends. Pure functions over the stored session, so the
 * rules are unit-tested with a fake clock; the store (session-service.ts) applies
 * them.
 *
 * - Idle timeout (sliding): a session unused for `idleTimeoutMs` ends.
 * - Absolute timeout: a session ends `absoluteTimeoutMs` after sign-in, however busy.
 * - `lastSeenAt` is written at most once per `touchIntervalMs`, not on every
 *   request, so a busy browser costs one write a minute instead of one per call;
 *   the idle timeout is therefore exact to within that interval.
 */
export interface SessionPolicy {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  touchIntervalMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 60 * 60_000,
  touchIntervalMs: 60_000,
};

/**
 * The policy from GARRISON_SESSION_IDLE_MINUTES / GARRISON_SESSION_ABSOLUTE_HOURS.
 * The touch interval shrinks with a short idle timeout: a session in steady use
 * must be touched well before it would count as idle.
 */
export function sessionPolicyOf(config: { sessionIdleMinutes: number; sessionAbsoluteHours: number }): SessionPolicy {
  const idleTimeoutMs = Math.round(config.sessionIdleMinutes * 60_000);
  return {
    idleTimeoutMs,
    absoluteTimeoutMs: Math.round(config.sessionAbsoluteHours * 3600_000),
    touchIntervalMs: Math.min(DEFAULT_SESSION_POLICY.touchIntervalMs, Math.floor(idleTimeoutMs / 4)),
  };
}

export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
}

export type SessionState = 'active' | 'idle-expired' | 'absolute-expired';

export function sessionState(session: SessionTimes, policy: SessionPolicy, now: Date): SessionState {
  if (now.getTime() >= session.createdAt.getTime() + policy.absoluteTimeoutMs) return 'absolute-expired';
  if (now.getTime() >= session.lastSeenAt.getTime() + policy.idleTimeoutMs) return 'idle-expired';
  return 'active';
}

export function needsTouch(session: SessionTimes, policy: SessionPolicy, now: Date): boolean {
  return now.getTime() - session.lastSeenAt.getTime() >= policy.touchIntervalMs;
}

/** When the session ends if it stays unused: the earlier of the idle and the absolute limit. */
export function sessionEndsAt(session: SessionTimes, policy: SessionPolicy): Date {
  return new Date(Math.min(session.lastSeenAt.getTime() + policy.idleTimeoutMs, session.createdAt.getTime() + policy.absoluteTimeoutMs));
}
