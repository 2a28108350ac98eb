/**
 * The audit trail's hash chain. Each record's hash is
 *   SHA-256(previousHash + canonicalJson(record without its hash))
 * so editing, deleting or reordering a stored record breaks every hash after it.
 *
 * Canonical JSON is what makes the hash reproducible from what the database gives
 * back: object keys sorted, Dates as ISO strings, `undefined` dropped (as
 * JSON.stringify does). Stored `before`/`after` values are already plain JSON
 * (see audit-trail.ts), so a record read back hashes exactly as it was written.
 */
import { createHash } from 'node:crypto';

/** The previous hash of record 1. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditActorKind = 'user' | 'sensor' | 'system';
export type AuditOutcome = 'success' | 'failure';

export interface AuditActor {
  kind: AuditActorKind;
  /** User id, sensor id; null for the system or for a sign-in attempt with an unknown user name. */
  id: string | null;
  name: string;
}

export interface AuditTarget {
  /** What was acted on: 'user', 'sensor', 'apiToken', 'sourceAddress', 'setting', … */
  kind: string;
  id: string | null;
  name: string | null;
}

/** A stored audit record. `_id` is the sequence number: the always-unique `_id` index is the chain's guard. */
export interface AuditRecordDocument {
  _id: number;
  at: Date;
  actor: AuditActor;
  sourceAddress: string | null;
  action: string;
  target: AuditTarget | null;
  outcome: AuditOutcome;
  reason: string | null;
  before: unknown;
  after: unknown;
  previousHash: string;
  hash: string;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalValue(value));
}

function canonicalValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : canonicalValue(item)));
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = canonicalValue(item);
    }
    return sorted;
  }
  return value;
}

/** The fields a record's hash covers: everything but the hash itself. */
export function hashedFields(record: Omit<AuditRecordDocument, 'hash'> | AuditRecordDocument): Omit<AuditRecordDocument, 'hash'> {
  return {
    _id: record._id,
    at: record.at,
    actor: record.actor,
    sourceAddress: record.sourceAddress,
    action: record.action,
    target: record.target,
    outcome: record.outcome,
    reason: record.reason,
    before: record.before,
    after: record.after,
    previousHash: record.previousHash,
  };
}

export function chainHash(previousHash: string, record: Omit<AuditRecordDocument, 'hash'>): string {
  return createHash('sha256').update(previousHash).update(canonicalJson(hashedFields(record))).digest('hex');
}

export interface ChainVerification {
  valid: boolean;
  checked: number;
  /** The first sequence number whose record was edited, is missing or is out of place. */
  firstBrokenSequence?: number;
}

/**
 * Walks records in sequence order, one at a time, so a long trail is verified
 * from a cursor without holding it in memory. A gap in the sequence (a deleted
 * record) breaks the chain at the missing number.
 */
export class ChainVerifier {
  private expectedSequence = 1;
  private previousHash = GENESIS_HASH;
  private checked = 0;
  private brokenAt: number | null = null;

  /** Returns false once the chain is broken; later records are not checked. */
  check(record: AuditRecordDocument): boolean {
    if (this.brokenAt !== null) return false;
    this.checked += 1;
    const intact =
      record._id === this.expectedSequence &&
      record.previousHash === this.previousHash &&
      chainHash(this.previousHash, record) === record.hash;
    if (!intact) {
      this.brokenAt = Math.min(record._id, this.expectedSequence);
      return false;
    }
    this.expectedSequence += 1;
    this.previousHash = record.hash;
    return true;
  }

  result(): ChainVerification {
    return this.brokenAt === null
      ? { valid: true, checked: this.checked }
      : { valid: false, checked: this.checked, firstBrokenSequence: this.brokenAt };
  }
}
