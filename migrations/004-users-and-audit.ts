import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/**
 * Indexes for users, sessions, API tokens, sign-in lockout and the audit trail.
 * The audit trail's sequence number is its `_id`, so the chain's uniqueness
 * guard is the `_id` index every collection has; the others here serve queries.
 * No TTL indexes (FerretDB v1 has none): a job prunes sessions and lockout records.
 */
export const migration: Migration = {
  id: '004-users-and-audit',
  description: 'Indexes for users, sessions, API tokens, sign-in lockout and the audit trail',
  async up(db) {
    await db.collection('users').createIndex({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
    await db.collection('users').createIndex({ role: 1, disabled: 1 });
    await db.collection('sessions').createIndex({ userId: 1 });
    await db.collection('sessions').createIndex({ expiresAt: 1 });
    await db.collection('sessions').createIndex({ lastSeenAt: 1 });
    await db.collection('apiTokens').createIndex({ createdBy: 1 });
    await db.collection('signInFailures').createIndex({ sourceAddress: 1, at: 1 });
    await db.collection('signInFailures').createIndex({ at: 1 });
    await db.collection('signInLocks').createIndex({ lockedUntil: 1 });
    await db.collection('auditRecords').createIndex({ at: -1 });
    await db.collection('auditRecords').createIndex({ action: 1, _id: -1 });
    await db.collection('auditRecords').createIndex({ 'actor.id': 1 });
    await db.collection('auditRecords').createIndex({ 'target.id': 1 });
  },
};
