/** The API shape of an audit record (the same shape is one line of the NDJSON export). */
import type { AuditRecordDocument } from './audit-chain.js';

export function presentAuditRecord(record: AuditRecordDocument) {
  return {
    sequence: record._id,
    at: record.at.toISOString(),
    actor: record.actor,
    sourceAddress: record.sourceAddress,
    action: record.action,
    target: record.target,
    outcome: record.outcome,
    reason: record.reason,
    before: record.before,
    after: record.after,
    previousHash: record.previousHash,
    hash: record.hash,
  };
}

export type AuditRecordView = ReturnType<typeof presentAuditRecord>;
