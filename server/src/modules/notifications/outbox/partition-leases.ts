/**
 * How several console instances share the outbox without a write per delivery.
 * The outbox is split into OUTBOX_PARTITIONS partitions (by event id); a worker
 * sends only the deliveries of partitions it holds a lease on. A lease is taken
 * with a conditional findOneAndUpdate (free, or its lease expired), renewed while
 * the worker runs, and released at shutdown. Live workers announce themselves
 * with a heartbeat; each holds at most its fair share (partitions ÷ live
 * workers), so a new instance gets partitions as the others release extras.
 * A crashed instance's partitions are taken over once its leases expire.
 */
import type { Collection } from 'mongodb';

export const LEASES_COLLECTION = 'notificationOutboxLeases';
export const WORKERS_COLLECTION = 'notificationOutboxWorkers';

/** Partitions of the outbox: also the most instances that can send at once. */
export const OUTBOX_PARTITIONS = 16;

interface LeaseDocument {
  _id: number;
  /** '' when free (FerretDB drops nulls in some update forms; '' is unambiguous). */
  owner: string;
  leaseUntil: Date;
}

interface WorkerDocument {
  _id: string;
  beatAt: Date;
}

/** FNV-1a: a stable partition for an event id of any shape. */
export function partitionOf(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < eventId.length; index += 1) {
    hash ^= eventId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % OUTBOX_PARTITIONS;
}

export class PartitionLeases {
  private held: number[] = [];
  private renewedAt = 0;

  constructor(
    private readonly leases: Collection<LeaseDocument>,
    private readonly workers: Collection<WorkerDocument>,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /** The partitions this worker may send, renewing and rebalancing every third of a lease. */
  async partitions(): Promise<number[]> {
    if (Date.now() - this.renewedAt < this.leaseMs / 3) return this.held;
    await this.maintain();
    return this.held;
  }

  private async maintain(): Promise<void> {
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    await this.ensurePartitions();
    await this.workers.updateOne({ _id: this.owner }, { $set: { beatAt: now } }, { upsert: true });
    const live = await this.workers.countDocuments({ beatAt: { $gt: new Date(now.getTime() - this.leaseMs) } });
    const fairShare = Math.ceil(OUTBOX_PARTITIONS / Math.max(1, live));
    const all = await this.leases.find({}).toArray();
    let mine = all.filter((lease) => lease.owner === this.owner && lease.leaseUntil > now).map((lease) => lease._id);
    const extras = mine.slice(fairShare);
    if (extras.length > 0) {
      await this.leases.updateMany({ _id: { $in: extras }, owner: this.owner }, { $set: { owner: '', leaseUntil: new Date(0) } });
      mine = mine.slice(0, fairShare);
    }
    if (mine.length > 0) await this.leases.updateMany({ _id: { $in: mine }, owner: this.owner }, { $set: { leaseUntil } });
    for (const lease of all) {
      if (mine.length >= fairShare) break;
      if (mine.includes(lease._id) || (lease.owner !== '' && lease.leaseUntil > now)) continue;
      const taken = await this.leases.findOneAndUpdate(
        { _id: lease._id, $or: [{ owner: '' }, { leaseUntil: { $lte: now } }] },
        { $set: { owner: this.owner, leaseUntil } },
        { returnDocument: 'after' },
      );
      if (taken?.owner === this.owner) mine.push(lease._id);
    }
    this.held = mine.sort((a, b) => a - b);
    this.renewedAt = Date.now();
  }

  private async ensurePartitions(): Promise<void> {
    if ((await this.leases.countDocuments({})) >= OUTBOX_PARTITIONS) return;
    const documents = Array.from({ length: OUTBOX_PARTITIONS }, (_, partition) => ({ _id: partition, owner: '', leaseUntil: new Date(0) }));
    try {
      await this.leases.insertMany(documents, { ordered: false });
    } catch (error) {
      // Another instance created some or all of them first; anything else is a real failure.
      if ((error as { code?: number }).code !== 11000 && !String(error).includes('E11000')) throw error;
    }
  }

  /** Hands every partition back at shutdown, so the next start or another instance sends at once. */
  async release(): Promise<void> {
    await this.leases.updateMany({ owner: this.owner }, { $set: { owner: '', leaseUntil: new Date(0) } });
    await this.workers.deleteOne({ _id: this.owner });
    this.held = [];
    this.renewedAt = 0;
  }
}
