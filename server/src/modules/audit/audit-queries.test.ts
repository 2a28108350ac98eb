import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMongoFilter } from './audit-queries.js';

test('no filter matches everything', () => {
  assert.deepEqual(toMongoFilter({}), {});
});

test('an area filter becomes an index-friendly range', () => {
  assert.deepEqual(toMongoFilter({ action: 'user.*' }), { action: { $gte: 'user.', $lt: 'user/' } });
  assert.deepEqual(toMongoFilter({ action: 'user.updated' }), { action: 'user.updated' });
});

test('filters combine with the page cursor', () => {
  const from = new Date('2025-01-01T00:00:00Z');
  assert.deepEqual(toMongoFilter({ actor: 'alice', outcome: 'failure', from }, 40), {
    $and: [
      { $or: [{ 'actor.id': 'alice' }, { 'actor.name': 'alice' }] },
      { outcome: 'failure' },
      { at: { $gte: from } },
      { _id: { $lt: 40 } },
    ],
  });
});
