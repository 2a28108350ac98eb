import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/**
 * Indexes the foundation relies on. Later modules add their own migrations for
 * their collections; createIndex is idempotent, so re-running is harmless.
 */
export const migration: Migration = {
  id: '001-core-indexes',
  description: 'Indexes for console instances and job scheduling',
  async up(db) {
    await db.collection('consoleInstances').createIndex({ lastBeatAt: -1 });
    await db.collection('jobs').createIndex({ name: 1, nextRunAt: 1 });
  },
};
