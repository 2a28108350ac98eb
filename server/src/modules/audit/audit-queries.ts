/**
 * Reading the audit trail: filtered pages (newest first), a full export in
 * sequence order, and verification of the hash chain. All of them stream from a
 * cursor, so a trail of millions of records never sits in memory.
 */
import type { Collection, Filter } from 'mongodb';
import { ChainVerifier, type AuditOutcome, type AuditRecordDocument, type ChainVerification } from './audit-chain.js';

export interface AuditFilter {
  /** Exact action ('user.updated') or every action of an area ('user.*'). */
  action?: string;
  /** An actor's id or name, exactly. */
  actor?: string;
  targetKind?: string;
  /** A target's id or name, exactly. */
  target?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
}

export interface AuditPage {
  records: AuditRecordDocument[];
  /** Pass as `before` to read the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export function toMongoFilter(filter: AuditFilter, beforeSequence?: number): Filter<AuditRecordDocument> {
  const clauses: Filter<AuditRecordDocument>[] = [];
  if (filter.action !== undefined) {
    if (filter.action.endsWith('.*')) {
      // A prefix as a range ('user.' ≤ action < 'user/'): uses the index, needs no regex escaping.
      const prefix = filter.action.slice(0, -1);
      const upper = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
      clauses.push({ action: { $gte: prefix, $lt: upper } });
    } else {
      clauses.push({ action: filter.action });
    }
  }
  if (filter.actor !== undefined) clauses.push({ $or: [{ 'actor.id': filter.actor }, { 'actor.name': filter.actor }] });
  if (filter.targetKind !== undefined) clauses.push({ 'target.kind': filter.targetKind });
  if (filter.target !== undefined) clauses.push({ $or: [{ 'target.id': filter.target }, { 'target.name': filter.target }] });
  if (filter.outcome !== undefined) clauses.push({ outcome: filter.outcome });
  if (filter.from !== undefined) clauses.push({ at: { $gte: filter.from } });
  if (filter.to !== undefined) clauses.push({ at: { $lt: filter.to } });
  if (beforeSequence !== undefined) clauses.push({ _id: { $lt: beforeSequence } });
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? (clauses[0] as Filter<AuditRecordDocument>) : { $and: clauses };
}

export class AuditQueries {
  constructor(private readonly collection: Collection<AuditRecordDocument>) {}

  async page(filter: AuditFilter, options: { limit: number; before?: number }): Promise<AuditPage> {
    const records = await this.collection
      .find(toMongoFilter(filter, options.before))
      .sort({ _id: -1 })
      .limit(options.limit + 1)
      .toArray();
    const hasMore = records.length > options.limit;
    const shown = hasMore ? records.slice(0, options.limit) : records;
    return { records: shown, nextBefore: hasMore ? (shown.at(-1)?._id ?? null) : null };
  }

  /** Every matching record, oldest first. */
  async *export(filter: AuditFilter): AsyncGenerator<AuditRecordDocument> {
    const cursor = this.collection.find(toMongoFilter(filter)).sort({ _id: 1 }).batchSize(1000);
    try {
      for await (const record of cursor) yield record;
    } finally {
      await cursor.close();
    }
  }

  async verify(): Promise<ChainVerification> {
    const verifier = new ChainVerifier();
    for await (const record of this.export({})) {
      if (!verifier.check(record)) break;
    }
    return verifier.result();
  }
}
