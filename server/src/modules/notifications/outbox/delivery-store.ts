/**
 * Delivery records. A delivery is written to the outbox (`notificationOutbox`)
 * BEFORE anything is sent; its id is derived from the event, rule and action,
 * so planning the same event twice cannot create a second one. When it is
 * finished (delivered, or dead after its deadline) it moves to the delivery log
 * (`notificationDeliveryLog`): insert there, then delete from the outbox.
 *
 * Why two collections and no per-delivery status update: on FerretDB (SQLite)
 * every document update costs milliseconds, while batched inserts and deletes
 * cost a fraction of that. A delivery that goes out first time costs one
 * batched insert into the outbox, one batched insert into the log and one
 * batched delete — no per-document write at all. Only failures (rare, and
 * each with its own reason and retry time) are updated one by one.
 *
 * Who sends what is decided by partition leases (partition-leases.ts), not by
 * per-delivery claims. A crash between "insert into the log" and "delete from
 * the outbox" leaves the delivery in both: it may be sent once more (a duplicate
 * for a delivery in flight at the crash, which the event id lets receivers drop).
 */
import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import { bulkWriteInBatches, isDuplicateKeyError } from '../../../platform/database/database.js';
import { AppError } from '../../../platform/errors.js';
import type { EventView } from '../events/event-presenter.js';

export const OUTBOX_COLLECTION = 'notificationOutbox';
export const DELIVERY_LOG_COLLECTION = 'notificationDeliveryLog';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryDocument {
  _id: string;
  eventId: string;
  ruleId: string;
  ruleName: string;
  actionId: string;
  actionType: string;
  /** Where it goes, in words (no secrets), as of when the delivery was planned. */
  target: string;
  /** The event as sent, so a delivery needs no other read to go out. */
  event: EventView;
  /** Outbox partition (see partition-leases.ts); derived from the event id. */
  partition: number;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  deadline: Date;
  lastAttemptAt: Date | null;
  lastReason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; nextAttemptAt: Date }
  | { kind: 'dead'; reason: string };

export interface DeliveryQuery {
  status?: DeliveryStatus;
  /** Pending deliveries that failed at least once. */
  failing?: boolean;
  eventId?: string;
  ruleId?: string;
  limit: number;
}

export function deliveryId(eventId: string, ruleId: string, actionId: string): string {
  return `${eventId}:${ruleId}:${actionId}`;
}

async function insertIgnoringDuplicates(collection: Collection<DeliveryDocument>, documents: DeliveryDocument[]): Promise<void> {
  if (documents.length === 0) return;
  try {
    await collection.insertMany(documents, { ordered: false });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}

export class DeliveryStore {
  constructor(
    private readonly outbox: Collection<DeliveryDocument>,
    private readonly log: Collection<DeliveryDocument>,
  ) {}

  /** Writes planned deliveries to the outbox; ones that exist already (a re-plan) are left as they are. */
  insertMany(deliveries: DeliveryDocument[]): Promise<void> {
    return insertIgnoringDuplicates(this.outbox, deliveries);
  }

  /** Due deliveries of the partitions this worker holds, oldest due first. */
  due(partitions: number[], limit: number): Promise<DeliveryDocument[]> {
    if (partitions.length === 0) return Promise.resolve([]);
    return this.outbox
      .find({ partition: { $in: partitions }, nextAttemptAt: { $lte: new Date() } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
  }

  /** Records a batch's outcomes: finished ones move to the log, failures are rescheduled. */
  async complete(results: Array<{ delivery: DeliveryDocument; outcome: DeliveryOutcome }>): Promise<void> {
    if (results.length === 0) return;
    const now = new Date();
    const finished: DeliveryDocument[] = [];
    const rescheduled: AnyBulkWriteOperation<DeliveryDocument>[] = [];
    for (const { delivery, outcome } of results) {
      const attempts = delivery.attempts + 1;
      if (outcome.kind === 'retry') {
        rescheduled.push({
          updateOne: {
            filter: { _id: delivery._id },
            update: { $set: { attempts, lastAttemptAt: now, lastReason: outcome.reason, nextAttemptAt: outcome.nextAttemptAt } },
          },
        });
      } else {
        const lastReason = outcome.kind === 'dead' ? outcome.reason : delivery.lastReason;
        finished.push({ ...delivery, status: outcome.kind, attempts, lastAttemptAt: now, lastReason, finishedAt: now });
      }
    }
    if (finished.length > 0) {
      await insertIgnoringDuplicates(this.log, finished);
      await this.outbox.deleteMany({ _id: { $in: finished.map((delivery) => delivery._id) } });
    }
    if (rescheduled.length > 0) await bulkWriteInBatches(this.outbox, rescheduled, { ordered: false });
  }

  async list(query: DeliveryQuery): Promise<DeliveryDocument[]> {
    const filter: Filter<DeliveryDocument> = {};
    if (query.eventId) filter.eventId = query.eventId;
    if (query.ruleId) filter.ruleId = query.ruleId;
    const pending = query.failing || query.status === 'pending';
    const finished = !query.failing && query.status !== 'pending';
    const sources: Array<Promise<DeliveryDocument[]>> = [];
    if (pending || query.status === undefined) {
      const outboxFilter: Filter<DeliveryDocument> = query.failing ? { ...filter, attempts: { $gt: 0 } } : filter;
      sources.push(this.outbox.find(outboxFilter).sort({ createdAt: -1, _id: -1 }).limit(query.limit).toArray());
    }
    if (finished) {
      const logFilter: Filter<DeliveryDocument> = query.status ? { ...filter, status: query.status } : filter;
      sources.push(this.log.find(logFilter).sort({ createdAt: -1, _id: -1 }).limit(query.limit).toArray());
    }
    const merged = (await Promise.all(sources)).flat();
    // A delivery caught between log and outbox by a crash is shown once, as finished.
    const byId = new Map(merged.map((delivery) => [delivery._id, delivery]));
    return [...byId.values()]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : -1))
      .slice(0, query.limit);
  }

  async get(id: string): Promise<DeliveryDocument> {
    const delivery = (await this.outbox.findOne({ _id: id })) ?? (await this.log.findOne({ _id: id }));
    if (!delivery) throw new AppError('not_found', `No delivery with id "${id}".`);
    return delivery;
  }

  /** A person's retry: a dead or failing delivery goes out again now, with a fresh deadline. */
  async retry(id: string, deadlineMs: number): Promise<DeliveryDocument> {
    const now = new Date();
    const deadline = new Date(now.getTime() + deadlineMs);
    const pending = await this.outbox.findOneAndUpdate({ _id: id }, { $set: { nextAttemptAt: now, deadline } }, { returnDocument: 'after' });
    if (pending) return pending;
    const finished = await this.log.findOne({ _id: id });
    if (!finished) throw new AppError('not_found', `No delivery with id "${id}".`);
    if (finished.status === 'delivered') throw new AppError('conflict', 'This delivery was delivered already; there is nothing to retry.');
    const revived: DeliveryDocument = { ...finished, status: 'pending', nextAttemptAt: now, deadline, finishedAt: null };
    await insertIgnoringDuplicates(this.outbox, [revived]);
    await this.log.deleteOne({ _id: id, status: 'dead' });
    return revived;
  }

  /** Removes delivered records older than `before` (dead ones stay until retried). */
  async pruneDelivered(before: Date): Promise<number> {
    const result = await this.log.deleteMany({ status: 'delivered', finishedAt: { $lt: before } });
    return result.deletedCount;
  }
}
