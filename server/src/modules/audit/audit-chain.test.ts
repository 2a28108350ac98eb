import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, chainHash, ChainVerifier, GENESIS_HASH, type AuditRecordDocument } from './audit-chain.js';

function chain(count: number): AuditRecordDocument[] {
  const records: AuditRecordDocument[] = [];
  let previousHash = GENESIS_HASH;
  for (let sequence = 1; sequence <= count; sequence += 1) {
    const unhashed = {
      _id: sequence,
      at: new Date(Date.UTC(2025, 0, 1, 0, 0, sequence)),
      actor: { kind: 'user' as const, id: 'u1', name: 'alice' },
      sourceAddress: '10.0.0.5',
      action: 'user.updated',
      target: { kind: 'user', id: 'u2', name: 'bob' },
      outcome: 'success' as const,
      reason: null,
      before: { role: 'read-only', nested: { list: [1, 2] } },
      after: { role: 'admin', nested: { list: [1, 2] } },
      previousHash,
    };
    const record = { ...unhashed, hash: chainHash(previousHash, unhashed) };
    records.push(record);
    previousHash = record.hash;
  }
  return records;
}

function verify(records: AuditRecordDocument[]) {
  const verifier = new ChainVerifier();
  for (const record of records) if (!verifier.check(record)) break;
  return verifier.result();
}

test('canonical JSON sorts keys at every depth and writes dates as ISO strings', () => {
  const a = canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: new Date(0) }, skipped: undefined });
  const b = canonicalJson({ a: { c: new Date(0), d: [3, { y: 2, z: 1 }] }, b: 1 });
  assert.equal(a, b);
  assert.equal(a, '{"a":{"c":"1970-01-01T00:00:00.000Z","d":[3,{"y":2,"z":1}]},"b":1}');
});

test('an intact chain verifies', () => {
  assert.deepEqual(verify(chain(5)), { valid: true, checked: 5 });
  assert.deepEqual(verify([]), { valid: true, checked: 0 });
});

test('an edited record breaks the chain at its sequence number', () => {
  const records = chain(5);
  records[2] = { ...records[2]!, after: { role: 'read-only', nested: { list: [1, 2] } } };
  assert.deepEqual(verify(records), { valid: false, checked: 3, firstBrokenSequence: 3 });
});

test('a record whose hash was recomputed after an edit breaks the next link', () => {
  const records = chain(5);
  const edited = { ...records[1]!, reason: 'edited' };
  records[1] = { ...edited, hash: chainHash(edited.previousHash, edited) };
  assert.equal(verify(records).firstBrokenSequence, 3);
});

test('a deleted record breaks the chain at the missing number', () => {
  const records = chain(5);
  records.splice(3, 1);
  assert.deepEqual(verify(records), { valid: false, checked: 4, firstBrokenSequence: 4 });
});

test('a deleted first record is caught', () => {
  assert.equal(verify(chain(3).slice(1)).firstBrokenSequence, 1);
});
