import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SESSION_POLICY, needsTouch, sessionEndsAt, sessionPolicyOf, sessionState } from './session-policy.js';

const signedInAt = new Date('2025-01-01T08:00:00Z');
const minutes = (count: number) => new Date(signedInAt.getTime() + count * 60_000);

test('defaults: 30 minutes idle, 12 hours absolute, touch once a minute', () => {
  assert.deepEqual(DEFAULT_SESSION_POLICY, { idleTimeoutMs: 1_800_000, absoluteTimeoutMs: 43_200_000, touchIntervalMs: 60_000 });
});

test('a session used within the idle timeout stays active', () => {
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: minutes(100) }, DEFAULT_SESSION_POLICY, minutes(129)), 'active');
});

test('a session unused for the idle timeout ends', () => {
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: minutes(100) }, DEFAULT_SESSION_POLICY, minutes(130)), 'idle-expired');
});

test('a busy session still ends at the absolute timeout', () => {
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: minutes(719) }, DEFAULT_SESSION_POLICY, minutes(720)), 'absolute-expired');
});

test('lastSeenAt is written at most once per touch interval', () => {
  const session = { createdAt: signedInAt, lastSeenAt: minutes(10) };
  assert.equal(needsTouch(session, DEFAULT_SESSION_POLICY, new Date(minutes(10).getTime() + 59_000)), false);
  assert.equal(needsTouch(session, DEFAULT_SESSION_POLICY, minutes(11)), true);
});

test('the end of a session is the earlier of idle and absolute', () => {
  assert.deepEqual(sessionEndsAt({ createdAt: signedInAt, lastSeenAt: minutes(10) }, DEFAULT_SESSION_POLICY), minutes(40));
  assert.deepEqual(sessionEndsAt({ createdAt: signedInAt, lastSeenAt: minutes(700) }, DEFAULT_SESSION_POLICY), minutes(720));
});

test('shorter timeouts (as tests configure them) apply the same way', () => {
  const policy = { idleTimeoutMs: 2000, absoluteTimeoutMs: 5000, touchIntervalMs: 500 };
  const at = (ms: number) => new Date(signedInAt.getTime() + ms);
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: at(1000) }, policy, at(2999)), 'active');
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: at(1000) }, policy, at(3000)), 'idle-expired');
  assert.equal(sessionState({ createdAt: signedInAt, lastSeenAt: at(4900) }, policy, at(5000)), 'absolute-expired');
});

test('the configured policy equals the defaults for 30 minutes / 12 hours, and touches often enough for a short idle timeout', () => {
  assert.deepEqual(sessionPolicyOf({ sessionIdleMinutes: 30, sessionAbsoluteHours: 12 }), DEFAULT_SESSION_POLICY);
  assert.deepEqual(sessionPolicyOf({ sessionIdleMinutes: 0.1, sessionAbsoluteHours: 1 }), { idleTimeoutMs: 6_000, absoluteTimeoutMs: 3_600_000, touchIntervalMs: 1_500 });
});
