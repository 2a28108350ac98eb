/**
 * The audit trail: an append-only, hash-chained record of who did what.
 *
 *   await audit.record({ actor, sourceAddress, action: 'sensor.enrolled', target, outcome: 'success' })
 *
 * Ordering: records get consecutive sequence numbers, stored as `_id`, whose
 * unique index guards the chain across console instances. In one process,
 * writers are queued (one append at a time) so they never race each other; two
 * processes that pick the same number collide on `_id`, and the loser re-reads
 * the tail and tries again. No transactions are needed (FerretDB has none).
 *
 * `record()` rejects when the record could not be written: callers doing a
 * security-relevant action should let that fail the action rather than act
 * unaudited.
 */
import type { Collection } from 'mongodb';
import type { Logger } from '../../platform/logger.js';
import { isDuplicateKeyError } from '../../platform/database/database.js';
import {
  chainHash,
  GENESIS_HASH,
  type AuditActor,
  type AuditOutcome,
  type AuditRecordDocument,
  type AuditTarget,
} from './audit-chain.js';
import { redactSecrets } from './audit-redaction.js';

export const AUDIT_COLLECTION = 'auditRecords';

export interface AuditEntry {
  actor: AuditActor;
  /** The client's IP address, when the action came over the network. */
  sourceAddress?: string | null;
  /** `<area>.<what-happened>`, kebab-case words: 'auth.sign-in', 'sensor.enrolled', 'user.updated'. */
  action: string;
  target?: AuditTarget | null;
  outcome: AuditOutcome;
  /** Why it failed (or a note); a sentence for people. Never put a secret here. */
  reason?: string | null;
  /** API shapes of the target before and after a change; secrets are stripped here. */
  before?: unknown;
  after?: unknown;
}

const ACTION_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
/** Another instance can win the same sequence number a few times in a row under load; more means something is wrong. */
const MAX_APPEND_ATTEMPTS = 25;
const MAX_NAME_LENGTH = 200;
const MAX_REASON_LENGTH = 1000;

interface ChainTail {
  sequence: number;
  hash: string;
}

export class AuditTrail {
  private queue: Promise<unknown> = Promise.resolve();
  /** The last record this process knows of; a guess, corrected by a duplicate-key refusal. */
  private tail: ChainTail | null = null;

  constructor(
    private readonly collection: Collection<AuditRecordDocument>,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  record(entry: AuditEntry): Promise<AuditRecordDocument> {
    if (!ACTION_PATTERN.test(entry.action)) {
      return Promise.reject(new Error(`Audit action "${entry.action}" is not <area>.<what-happened> in lower-case kebab-case`));
    }
    const appended = this.queue.then(() => this.append(entry));
    this.queue = appended.catch(() => undefined);
    return appended;
  }

  private async append(entry: AuditEntry): Promise<AuditRecordDocument> {
    const content = {
      actor: { kind: entry.actor.kind, id: entry.actor.id, name: clip(entry.actor.name, MAX_NAME_LENGTH) },
      sourceAddress: entry.sourceAddress ?? null,
      action: entry.action,
      target: entry.target
        ? { kind: entry.target.kind, id: entry.target.id, name: entry.target.name === null ? null : clip(entry.target.name, MAX_NAME_LENGTH) }
        : null,
      outcome: entry.outcome,
      reason: entry.reason ? clip(entry.reason, MAX_REASON_LENGTH) : null,
      before: entry.before === undefined ? null : redactSecrets(entry.before),
      after: entry.after === undefined ? null : redactSecrets(entry.after),
    };
    for (let attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt += 1) {
      const tail = this.tail ?? (await this.readTail());
      const unhashed = { _id: tail.sequence + 1, at: this.now(), ...content, previousHash: tail.hash };
      const record: AuditRecordDocument = { ...unhashed, hash: chainHash(tail.hash, unhashed) };
      try {
        await this.collection.insertOne(record);
        this.tail = { sequence: record._id, hash: record.hash };
        return record;
      } catch (error) {
        this.tail = null;
        if (!isDuplicateKeyError(error)) throw error;
        this.logger.debug({ sequence: record._id, attempt }, 'another console wrote this audit sequence number first; retrying');
      }
    }
    throw new Error(`Could not append to the audit trail after ${MAX_APPEND_ATTEMPTS} attempts (other consoles kept winning)`);
  }

  private async readTail(): Promise<ChainTail> {
    const [last] = await this.collection.find({}, { projection: { _id: 1, hash: 1 } }).sort({ _id: -1 }).limit(1).toArray();
    return last ? { sequence: last._id, hash: last.hash } : { sequence: 0, hash: GENESIS_HASH };
  }
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
