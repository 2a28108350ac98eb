import type { Migration } from '../server/src/platform/migrations/migration-runner.js';

/**
 * Indexes of the notifications module: events are listed newest first and
 * filtered by type or sensor; the outbox worker reads due deliveries of its
 * partitions; the delivery log is listed by rule, event and status; rule names
 * are unique regardless of case. The outbox keeps few indexes on purpose: it is
 * written for every delivery, and every index is paid on each write.
 */
export const migration: Migration = {
  id: '005-notifications',
  description: 'Indexes for system events, forwarding rules, the outbox and the delivery log',
  async up(db) {
    const events = db.collection('notificationEvents');
    await events.createIndex({ occurredAt: -1, _id: -1 });
    await events.createIndex({ type: 1, occurredAt: -1 });
    await events.createIndex({ sensorId: 1, occurredAt: -1 });
    await db.collection('notificationRules').createIndex({ nameKey: 1 }, { unique: true });
    await db.collection('notificationOutbox').createIndex({ partition: 1, nextAttemptAt: 1 });
    const log = db.collection('notificationDeliveryLog');
    await log.createIndex({ createdAt: -1, _id: -1 });
    await log.createIndex({ eventId: 1 });
    await log.createIndex({ ruleId: 1, createdAt: -1 });
    await log.createIndex({ status: 1, finishedAt: 1 });
  },
};
