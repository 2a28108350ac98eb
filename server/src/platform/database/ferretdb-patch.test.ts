/**
 * Garrison's FerretDB patch (ferretdb-patches.ts): filters pushed down to SQLite
 * give exactly MongoDB's results, and `explain` shows the indexes being used.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Filter } from 'mongodb';
import mongoose from 'mongoose';
import { openTempDatabase } from '../../../../test/helpers/temp-database.js';
import type { Database } from './database.js';

describe('FerretDB with Garrison patch: filter pushdown', () => {
  let database: Database;
  let remove: (() => Promise<void>) | undefined;

  before(async () => {
    ({ database, remove } = await openTempDatabase('ferretdb-patch'));
  });
  after(() => remove?.());

  it('finds, updates and deletes by _id through the _id index (Garrison patch), with exactly MongoDB results', async () => {
    const probe = database.db.collection<{ _id: string | number | mongoose.Types.ObjectId; state: string; n: number }>('id_pushdown_probe');
    const objectId = new mongoose.Types.ObjectId();
    await probe.insertMany([
      { _id: 'a', state: 'up', n: 1 },
      { _id: 'b', state: 'down', n: 2 },
      { _id: 'c', state: 'up', n: 3 },
      { _id: objectId, state: 'up', n: 4 },
      { _id: 7, state: 'up', n: 5 },
    ]);
    // The SQL only narrows the rows; the full filter still decides, so extra conditions keep their meaning.
    assert.equal(await probe.countDocuments({ _id: 'a', state: 'down' }), 0);
    assert.equal(await probe.countDocuments({ _id: 'b', state: 'down' }), 1);
    assert.deepEqual((await probe.find({ _id: { $in: ['a', 'c', 'zz', objectId] } }).sort({ n: 1 }).toArray()).map((doc) => doc.n), [1, 3, 4]);
    assert.deepEqual((await probe.find({ _id: { $in: ['a', 7] } }).sort({ n: 1 }).toArray()).map((doc) => doc.n), [1, 5], 'a non-string id falls back to a scan');
    assert.deepEqual((await probe.find({ _id: { $in: [] } }).toArray()).length, 0);
    assert.equal((await probe.updateOne({ _id: 'c', state: { $ne: 'up' } }, { $set: { n: 30 } })).matchedCount, 0);
    assert.equal((await probe.updateMany({ _id: { $in: ['a', 'c'] } }, { $inc: { n: 10 } })).modifiedCount, 2);
    assert.equal((await probe.findOneAndUpdate({ _id: objectId, state: 'up' }, { $set: { state: 'down' } }, { returnDocument: 'after' }))?.state, 'down');
    assert.equal((await probe.deleteOne({ _id: 'b', state: 'down' })).deletedCount, 1);
    assert.deepEqual((await probe.find().sort({ n: 1 }).toArray()).map((doc) => doc.n), [4, 5, 11, 13]);

    // explain() shows the SQL plan: the _id condition is a SEARCH on the unique _id index, not a SCAN.
    const planOf = async (filter: Record<string, unknown>) =>
      JSON.stringify(await database.db.command({ explain: { find: 'id_pushdown_probe', filter }, verbosity: 'queryPlanner' }));
    assert.match(await planOf({ _id: 'a', state: 'up' }), /SEARCH \S+ USING INDEX \S+__id_/);
    assert.match(await planOf({ _id: { $in: ['a', 'c'] } }), /SEARCH \S+ USING INDEX \S+__id_/);
    assert.match(await planOf({ state: 'up' }), /SCAN /, 'other fields are still filtered by FerretDB itself');
  });

  it('pushes plain equality on other fields down to SQL (Garrison patch) without changing a single result', async () => {
    type Probe = { _id: string; key?: string; zoneId?: string | null | Array<string | null>; flag?: boolean; n: number };
    const probe = database.db.collection<Probe>('field_pushdown_probe');
    await probe.createIndex({ key: 1 }, { unique: true, sparse: false });
    await probe.createIndex({ zoneId: 1 });
    await probe.insertMany([
      { _id: '1', key: 'k1', zoneId: 'z1', flag: true, n: 1 },
      { _id: '2', key: 'k2', zoneId: ['z0', 'z1'], flag: false, n: 2 },
      { _id: '3', key: 'k3', zoneId: null, n: 3 },
      { _id: '4', key: 'k4', n: 4 },
      { _id: '5', key: 'a<b & "c"', zoneId: ['z2', null], flag: true, n: 5 },
      { _id: '6', key: 'k6', zoneId: 'z2', n: 6 },
    ]);
    const ns = async (filter: Filter<Probe>) => (await probe.find(filter).sort({ n: 1 }).toArray()).map((doc) => doc.n);
    assert.deepEqual(await ns({ zoneId: 'z1' }), [1, 2], 'an array holding the value matches');
    assert.deepEqual(await ns({ zoneId: null }), [3, 4, 5], 'null matches null, missing, and arrays holding null');
    assert.deepEqual(await ns({ zoneId: { $in: ['z1', 'z2'] } }), [1, 2, 5, 6]);
    assert.deepEqual(await ns({ flag: true }), [1, 5]);
    assert.deepEqual(await ns({ flag: false, zoneId: 'z1' }), [2]);
    assert.deepEqual(await ns({ key: 'a<b & "c"' }), [5], 'strings JSON may escape are filtered by FerretDB itself');
    assert.deepEqual(await ns({ key: 'k6', zoneId: { $ne: 'z1' } }), [6]);
    assert.deepEqual(await ns({ n: 3 }), [3]);
    assert.equal((await probe.updateMany({ zoneId: 'z2' }, { $inc: { n: 10 } })).modifiedCount, 2);
    assert.equal((await probe.deleteMany({ zoneId: { $in: ['z0'] } })).deletedCount, 1);
    assert.deepEqual(await ns({}), [1, 3, 4, 15, 16]);

    const planOf = async (filter: Record<string, unknown>) =>
      JSON.stringify(await database.db.command({ explain: { find: 'field_pushdown_probe', filter }, verbosity: 'queryPlanner' }));
    assert.match(await planOf({ key: 'k1' }), /SEARCH \S+ USING INDEX \S+_key_1/);
    assert.match(await planOf({ zoneId: 'z1' }), /INDEX \S+_zoneId_1/);
    assert.match(await planOf({ n: 3 }), /SCAN /, 'numbers are not pushed down');
  });
});
