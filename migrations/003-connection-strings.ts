import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/** Connection-string tokens: the standing-string lookup and the recent-first listing. */
export const migration: Migration = {
  id: '003-connection-strings',
  description: 'Indexes for connection-string tokens',
  async up(db) {
    await db.collection('connectionStrings').createIndex({ kind: 1, revokedAt: 1, createdAt: -1 });
    await db.collection('connectionStrings').createIndex({ createdAt: -1 });
  },
};
