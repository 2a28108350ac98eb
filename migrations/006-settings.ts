import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/**
 * Settings storage (server/src/modules/settings/settings-model.ts): scopes are
 * listed by kind, and a stale save looks up the history of one scope by revision.
 */
export const migration: Migration = {
  id: '006-settings',
  description: 'Indexes for settings scopes and their history',
  async up(db) {
    await db.collection('settingsScopes').createIndex({ kind: 1, scopeId: 1 });
    await db.collection('settingsHistory').createIndex({ scopeKey: 1, revision: -1 });
  },
};
