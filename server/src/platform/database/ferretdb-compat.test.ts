/**
 * What Garrison relies on, proved against the embedded FerretDB through mongoose
 * and the driver. Where FerretDB v1 differs from MongoDB, the test asserts the
 * difference and the workaround Garrison uses, so a FerretDB upgrade that changes
 * the behaviour shows up here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agenda } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { MongoBulkWriteError, MongoClient, MongoServerError } from 'mongodb';
import mongoose from 'mongoose';
import { createLogger } from '../logger.js';
import { MAX_OPERATIONS_PER_BULK_WRITE, bulkWriteInBatches, isDuplicateKeyError, type Database } from './database.js';
import { EmbeddedFerretDb } from './embedded-ferretdb.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';
import { openTempDatabase } from '../../../../test/helpers/temp-database.js';
import { makeTempDir } from '../../../../test/helpers/test-console.js';

const logger = createLogger({ level: 'silent' });

function serverErrorCode(error: unknown): number | undefined {
  return error instanceof MongoServerError && typeof error.code === 'number' ? error.code : undefined;
}

describe('FerretDB compatibility (mongoose 9, mongodb driver 7, agenda 6)', () => {
  let database: Database;
  let remove: (() => Promise<void>) | undefined;

  before(async () => {
    ({ database, remove } = await openTempDatabase('ferretdb-compat'));
  });
  after(() => remove?.());

  it('builds unique indexes with syncIndexes and reports duplicates as code 11000', async () => {
    const Sensor = database.connection.model(
      'UniqueSensor',
      new mongoose.Schema({ name: { type: String, required: true, unique: true } }),
      'unique_sensors',
    );
    await Sensor.syncIndexes();
    const indexes = await Sensor.collection.indexes();
    assert.ok(indexes.some((index) => index.name === 'name_1' && index.unique === true));
    await Sensor.create({ name: 'alpha' });
    await assert.rejects(Sensor.create({ name: 'alpha' }), (error: unknown) => serverErrorCode(error) === 11000);
    // Through the driver too, with the same error class (one driver copy is installed).
    await assert.rejects(
      database.db.collection('unique_sensors').insertOne({ name: 'alpha' }),
      (error: unknown) => error instanceof MongoServerError && error.code === 11000,
    );
  });

  it('builds compound indexes, enforces compound uniqueness, and syncIndexes drops stale ones', async () => {
    const schema = new mongoose.Schema({ zoneId: String, name: String, createdAt: Date });
    schema.index({ zoneId: 1, name: 1 }, { unique: true });
    schema.index({ zoneId: 1, createdAt: -1 });
    const Member = database.connection.model('ZoneMember', schema, 'zone_members');
    await Member.collection.createIndex({ obsolete: 1 }, { name: 'obsolete_1' });
    const dropped = await Member.syncIndexes();
    assert.deepEqual(dropped, ['obsolete_1']);
    const names = (await Member.collection.indexes()).map((index) => index.name).sort();
    assert.deepEqual(names, ['_id_', 'zoneId_1_createdAt_-1', 'zoneId_1_name_1']);
    await Member.create({ zoneId: 'z1', name: 'a' });
    await Member.create({ zoneId: 'z2', name: 'a' });
    await assert.rejects(Member.create({ zoneId: 'z1', name: 'a' }), (error: unknown) => serverErrorCode(error) === 11000);
  });

  it('findOneAndUpdate with a conditional filter, $inc and returnDocument "after" (optimistic revision)', async () => {
    const settings = database.db.collection<{ _id: string; revision: number; ntp: string[] }>('settings_probe');
    await settings.insertOne({ _id: 'global', revision: 3, ntp: ['10.0.0.1'] });
    const updated = await settings.findOneAndUpdate(
      { _id: 'global', revision: 3 },
      { $inc: { revision: 1 }, $set: { ntp: ['10.0.0.2'] } },
      { returnDocument: 'after' },
    );
    assert.deepEqual(updated, { _id: 'global', revision: 4, ntp: ['10.0.0.2'] });
    const stale = await settings.findOneAndUpdate({ _id: 'global', revision: 3 }, { $inc: { revision: 1 } }, { returnDocument: 'after' });
    assert.equal(stale, null);

    const Counter = database.connection.model('Counter', new mongoose.Schema({ _id: String, value: Number }), 'counters_probe');
    const first = await Counter.findOneAndUpdate({ _id: 'enrolments' }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
    const second = await Counter.findOneAndUpdate({ _id: 'enrolments' }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' }).lean();
    assert.equal(first?.value, 1);
    assert.equal(second?.value, 2);
  });

  it('reports a unique-index collision caused by an UPDATE as code 1 InternalError, not 11000 (isDuplicateKeyError covers both)', async () => {
    const users = database.db.collection<{ _id: string; usernameKey: string }>('rename_probe');
    await users.createIndex({ usernameKey: 1 }, { unique: true });
    await users.insertMany([
      { _id: 'u1', usernameKey: 'alice' },
      { _id: 'u2', usernameKey: 'bob' },
    ]);
    const collisions = [
      () => users.updateOne({ _id: 'u2' }, { $set: { usernameKey: 'alice' } }),
      () => users.findOneAndUpdate({ _id: 'u2' }, { $set: { usernameKey: 'alice' } }),
      () => users.replaceOne({ _id: 'u2' }, { usernameKey: 'alice' }),
    ];
    for (const collision of collisions) {
      await assert.rejects(collision(), (error: unknown) => {
        assert.ok(error instanceof MongoServerError);
        assert.equal(error.code, 1);
        assert.match(error.message, /UNIQUE constraint failed/);
        assert.equal(isDuplicateKeyError(error), true);
        return true;
      });
    }
    // An upsert that inserts, like an insert, does say 11000.
    await assert.rejects(users.updateOne({ _id: 'u3' }, { $set: { usernameKey: 'bob' } }, { upsert: true }), (error: unknown) => {
      assert.equal(serverErrorCode(error), 11000);
      assert.equal(isDuplicateKeyError(error), true);
      return true;
    });
    assert.equal(isDuplicateKeyError(new Error('UNIQUE constraint failed')), false);
  });

  it('is not isolated across connections (lost $inc, several winners), so the embedded connection uses exactly one', async () => {
    assert.equal(database.connection.getClient().options.maxPoolSize, 1);
    const tokens = database.db.collection<{ _id: string; usesLeft: number; count: number }>('race_probe');
    await tokens.insertOne({ _id: 'single-use', usesLeft: 1, count: 0 });
    const claims = await Promise.all(
      Array.from({ length: 50 }, () => tokens.findOneAndUpdate({ _id: 'single-use', usesLeft: { $gt: 0 } }, { $inc: { usesLeft: -1 } }, { returnDocument: 'after' })),
    );
    assert.equal(claims.filter((claim) => claim !== null).length, 1, 'exactly one caller spends a single-use token');
    await Promise.all(Array.from({ length: 200 }, () => tokens.updateOne({ _id: 'single-use' }, { $inc: { count: 1 } })));
    assert.equal((await tokens.findOne({ _id: 'single-use' }))?.count, 200);

    // The same through a client with a pool of connections: increments are lost.
    const pooled = new MongoClient(database.uri, { maxPoolSize: 20 });
    try {
      const pooledTokens = pooled.db(database.db.databaseName).collection<{ _id: string; count: number }>('race_probe');
      await Promise.all(Array.from({ length: 200 }, () => pooledTokens.updateOne({ _id: 'single-use' }, { $inc: { count: 1 } })));
      const count = (await pooledTokens.findOne({ _id: 'single-use' }))?.count ?? 0;
      assert.ok(count < 400, `FerretDB lost ${400 - count} of 200 concurrent increments (MongoDB loses none)`);
    } finally {
      await pooled.close();
    }
  });

  it('upserts with $setOnInsert', async () => {
    const presence = database.db.collection<{ _id: string; firstSeen?: Date; lastSeen: Date; count?: number }>('presence_probe');
    const firstSeen = new Date('2025-01-01T00:00:00Z');
    const inserted = await presence.updateOne(
      { _id: 's1' },
      { $set: { lastSeen: firstSeen }, $setOnInsert: { firstSeen }, $inc: { count: 1 } },
      { upsert: true },
    );
    assert.equal(inserted.upsertedCount, 1);
    const later = new Date('2025-01-02T00:00:00Z');
    const updated = await presence.updateOne({ _id: 's1' }, { $set: { lastSeen: later }, $setOnInsert: { firstSeen: later }, $inc: { count: 1 } }, { upsert: true });
    assert.equal(updated.matchedCount, 1);
    assert.equal(updated.upsertedCount, 0);
    assert.deepEqual(await presence.findOne({ _id: 's1' }), { _id: 's1', lastSeen: later, firstSeen, count: 2 });
    // $max / $min update operators (not the $group accumulators) work.
    await presence.updateOne({ _id: 's1' }, { $max: { count: 7 } });
    await presence.updateOne({ _id: 's1' }, { $max: { count: 5 } });
    assert.equal((await presence.findOne({ _id: 's1' }))?.count, 7);
  });

  it('bulkWrite(ordered: false) applies batched updates; inserts report per-write errors, a colliding update stops the batch', async () => {
    const health = database.db.collection<{ _id: string; cpu: number; serial?: string }>('health_probe');
    await health.createIndex({ serial: 1 }, { unique: true });
    await health.insertMany(Array.from({ length: 50 }, (_, index) => ({ _id: `s${index}`, cpu: 0, serial: `serial-${index}` })));
    const batch = Array.from({ length: 50 }, (_, index) => ({
      updateOne: { filter: { _id: `s${index}` }, update: { $set: { cpu: index } } },
    }));
    const result = await health.bulkWrite(batch, { ordered: false });
    assert.equal(result.matchedCount, 50);
    assert.equal(result.modifiedCount, 49); // s0 already had cpu 0

    // Inserts behave as on MongoDB: the duplicate is a write error, the others go in.
    await assert.rejects(
      health.bulkWrite(
        [{ insertOne: { document: { _id: 'n1', cpu: 0, serial: 'serial-1' } } }, { insertOne: { document: { _id: 'n2', cpu: 0, serial: 'serial-n2' } } }],
        { ordered: false },
      ),
      (error: unknown) => {
        assert.ok(error instanceof MongoBulkWriteError);
        // The driver gives one WriteError, or an array when there are several.
        assert.deepEqual([error.writeErrors].flat().map((writeError) => [writeError.index, writeError.code]), [[0, 11000]]);
        assert.equal(isDuplicateKeyError(error), true);
        return true;
      },
    );
    assert.ok(await health.findOne({ _id: 'n2' }));

    // An update that collides fails the whole command (code 1, no write errors) and,
    // despite ordered: false, the updates after it are not applied. Batches that may
    // collide must fall back to one write at a time.
    const withConflict = [
      { updateOne: { filter: { _id: 's1' }, update: { $set: { cpu: 101 } } } },
      { updateOne: { filter: { _id: 's2' }, update: { $set: { serial: 'serial-3' } } } },
      { updateOne: { filter: { _id: 's4' }, update: { $set: { cpu: 104 } } } },
    ];
    await assert.rejects(health.bulkWrite(withConflict, { ordered: false }), (error: unknown) => {
      assert.ok(error instanceof MongoServerError);
      assert.equal(error.code, 1);
      assert.equal(isDuplicateKeyError(error), true);
      return true;
    });
    assert.equal((await health.findOne({ _id: 's1' }))?.cpu, 101, 'the write before the collision was applied');
    assert.equal((await health.findOne({ _id: 's4' }))?.cpu, 4, 'the write after the collision was not applied');
  });

  it('hangs on one update command of 100 or more statements; bulkWriteInBatches sends at most 50', async (t) => {
    const dataDir = await makeTempDir('ferretdb-deadlock');
    const server = new EmbeddedFerretDb({ binaryPath: (await ensureFerretDbBinary({ logger })).path, dataDir, logger, stopTimeoutMs: 2_000 });
    let client: MongoClient | null = null;
    t.after(async () => {
      await client?.close(true);
      await server.stop(); // the wedged server ignores SIGTERM: this ends in SIGKILL after 2 s
      await rm(dataDir, { recursive: true, force: true });
    });
    await server.start();
    client = new MongoClient(server.uri, { maxPoolSize: 1 });
    const sensors = client.db('garrison').collection<{ _id: string; cpu: number }>('deadlock_probe');
    await sensors.insertMany(Array.from({ length: 100 }, (_, index) => ({ _id: `s${index}`, cpu: 0 })));
    const hundredUpdates = Array.from({ length: 100 }, (_, index) => ({ updateOne: { filter: { _id: `s${index}` }, update: { $set: { cpu: 1 } } } }));
    const pending = sensors.bulkWrite(hundredUpdates).then(() => 'answered' as const);
    pending.catch(() => undefined);
    const outcome = await Promise.race([pending, sleep(2_000).then(() => 'no answer' as const)]);
    assert.equal(outcome, 'no answer', 'FerretDB v1.24 deadlocks on 100 updates in one command');

    assert.equal(MAX_OPERATIONS_PER_BULK_WRITE, 50);
    const health = database.db.collection<{ _id: string; cpu: number }>('batched_probe');
    await health.insertMany(Array.from({ length: 250 }, (_, index) => ({ _id: `s${index}`, cpu: 0 })));
    const counts = await bulkWriteInBatches(
      health,
      Array.from({ length: 250 }, (_, index) => ({ updateOne: { filter: { _id: `s${index}` }, update: { $set: { cpu: index + 1 } } } })),
      { ordered: false },
    );
    assert.deepEqual(counts, { insertedCount: 0, matchedCount: 250, modifiedCount: 250, deletedCount: 0, upsertedCount: 0 });
    assert.equal(await health.countDocuments({ cpu: { $gt: 0 } }), 250);
  });

  it('aggregates with $match, $group, $sort, $limit and $count; counts, distinct and pages', async () => {
    const events = database.db.collection<{ type: string; severity: number; sensor: string; at: Date }>('events_probe');
    const docs = Array.from({ length: 30 }, (_, index) => ({
      type: index % 3 === 0 ? 'backup.failed' : 'sensor.disconnected',
      severity: index % 5,
      sensor: `s${index % 4}`,
      at: new Date(Date.UTC(2025, 0, 1, 0, index)),
    }));
    await events.insertMany(docs);
    await events.createIndex({ type: 1, at: -1 });

    const bySensor = await events
      .aggregate<{ _id: string; total: number }>([
        { $match: { type: 'sensor.disconnected' } },
        { $group: { _id: '$sensor', total: { $sum: 1 } } },
        { $sort: { total: -1, _id: 1 } },
        { $limit: 2 },
      ])
      .toArray();
    assert.deepEqual(bySensor, [
      { _id: 's1', total: 6 },
      { _id: 's0', total: 5 },
    ]);
    const severityBySensor = await events
      .aggregate<{ _id: string; severity: number }>([
        { $match: { type: 'sensor.disconnected', sensor: { $in: ['s0', 's1'] } } },
        { $group: { _id: '$sensor', severity: { $sum: '$severity' } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    assert.deepEqual(severityBySensor, [
      { _id: 's0', severity: 11 },
      { _id: 's1', severity: 10 },
    ]);
    const [counted] = await events.aggregate<{ n: number }>([{ $match: { severity: { $gte: 3 } } }, { $count: 'n' }]).toArray();
    assert.equal(counted?.n, 12);

    assert.equal(await events.countDocuments({ type: 'backup.failed' }), 10);
    assert.deepEqual((await events.distinct('sensor')).sort(), ['s0', 's1', 's2', 's3']);
    const page = await events.find({ type: 'sensor.disconnected' }).sort({ at: -1 }).skip(5).limit(5).toArray();
    assert.deepEqual(
      page.map((event) => event.at.getUTCMinutes()),
      [22, 20, 19, 17, 16],
    );
  });

  it('implements only the $sum and $count accumulators in $group; the worst value is a sort + limit instead', async () => {
    const readings = database.db.collection<{ sensor: string; drift: number }>('drift_probe');
    await readings.insertMany([
      { sensor: 's1', drift: 3 },
      { sensor: 's1', drift: 9 },
      { sensor: 's2', drift: 5 },
    ]);
    for (const accumulator of ['$max', '$min', '$avg', '$first', '$last', '$push', '$addToSet']) {
      await assert.rejects(
        readings.aggregate([{ $group: { _id: '$sensor', value: { [accumulator]: '$drift' } } }]).toArray(),
        (error: unknown) => serverErrorCode(error) === 238,
        `${accumulator} is expected to be missing`,
      );
    }
    for (const stage of [{ $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } }, { $facet: { a: [{ $match: {} }] } }]) {
      await assert.rejects(readings.aggregate([stage]).toArray(), (error: unknown) => serverErrorCode(error) === 238);
    }
    const [worst] = await readings.find({ sensor: 's1' }).sort({ drift: -1 }).limit(1).toArray();
    assert.equal(worst?.drift, 9);
  });

  it('computes only the FIRST accumulator of a $group correctly (the others come back 0): one accumulator per $group', async () => {
    const backups = database.db.collection<{ sensor: string; bytes: number }>('multi_accumulator_probe');
    await backups.insertMany([
      { sensor: 's1', bytes: 100 },
      { sensor: 's1', bytes: 50 },
    ]);
    const [both] = await backups.aggregate([{ $group: { _id: '$sensor', count: { $sum: 1 }, bytes: { $sum: '$bytes' } } }]).toArray();
    assert.deepEqual(both, { _id: 's1', count: 2, bytes: 0 }, 'FerretDB v1.24 bug: MongoDB gives bytes 150');
    const [reversed] = await backups.aggregate([{ $group: { _id: '$sensor', bytes: { $sum: '$bytes' }, count: { $sum: 1 } } }]).toArray();
    assert.deepEqual(reversed, { _id: 's1', bytes: 150, count: 0 });
    // Workaround: one accumulator per pipeline.
    const [count] = await backups.aggregate([{ $group: { _id: '$sensor', value: { $sum: 1 } } }]).toArray();
    const [bytes] = await backups.aggregate([{ $group: { _id: '$sensor', value: { $sum: '$bytes' } } }]).toArray();
    assert.deepEqual([count?.value, bytes?.value], [2, 150]);
  });

  it('unique indexes skip documents MISSING the field (MongoDB would not, unless sparse) but do collide on explicit nulls', async () => {
    const certificates = database.db.collection<{ _id: string; serial?: string | null }>('unique_missing_probe');
    await certificates.createIndex({ serial: 1 }, { unique: true });
    await certificates.insertMany([{ _id: 'a' }, { _id: 'b' }]); // MongoDB: E11000 on the second
    await certificates.insertOne({ _id: 'c', serial: null });
    await assert.rejects(certificates.insertOne({ _id: 'd', serial: null }), (error: unknown) => serverErrorCode(error) === 11000);
    // Portable rule for an optional unique field: declare it `unique` + `sparse` (FerretDB accepts
    // and ignores "sparse"; MongoDB then matches this behaviour) and $unset it instead of storing null.
    await certificates.createIndex({ fingerprint: 1 }, { unique: true, sparse: true });
    await assert.rejects(
      certificates.createIndex({ issuedTo: 1 }, { unique: true, partialFilterExpression: { issuedTo: { $exists: true } } }),
      (error: unknown) => serverErrorCode(error) === 238,
    );
  });

  it('has no update pipelines, arrayFilters or collation', async () => {
    const zones = database.db.collection<{ _id: string; name: string; items: { id: string; ok: boolean }[] }>('unsupported_probe');
    await zones.insertOne({ _id: 'z', name: 'Zone', items: [{ id: 'a', ok: false }] });
    await assert.rejects(zones.updateOne({ _id: 'z' }, [{ $set: { copy: '$name' } }]), (error: unknown) => serverErrorCode(error) === 14);
    await assert.rejects(
      zones.updateOne({ _id: 'z' }, { $set: { 'items.$[item].ok': true } }, { arrayFilters: [{ 'item.id': 'a' }] }),
      (error: unknown) => serverErrorCode(error) === 238,
    );
    await assert.rejects(zones.find({ name: 'zone' }, { collation: { locale: 'en', strength: 2 } }).toArray(), (error: unknown) => serverErrorCode(error) === 238);
    // Nor the positional operator `$` in updates.
    await assert.rejects(
      zones.updateOne({ _id: 'z', 'items.id': 'a' }, { $set: { 'items.$.ok': true } }),
      (error: unknown) => serverErrorCode(error) === 28 && /Cannot create field '\$'/.test(String((error as Error).message)),
    );
    // Workarounds: key sub-items by id in an embedded document and update by dot path, or
    // rewrite the whole array under a conditional filter. Case-insensitive match: anchored regex.
    const keyed = database.db.collection<{ _id: string; items: Record<string, { ok: boolean }> }>('keyed_probe');
    await keyed.insertOne({ _id: 'z', items: { a: { ok: false }, b: { ok: false } } });
    await keyed.updateOne({ _id: 'z' }, { $set: { 'items.a.ok': true } });
    assert.deepEqual((await keyed.findOne({ _id: 'z' }))?.items, { a: { ok: true }, b: { ok: false } });
    const rewritten = await zones.updateOne({ _id: 'z', items: [{ id: 'a', ok: false }] }, { $set: { items: [{ id: 'a', ok: true }] } });
    assert.equal(rewritten.modifiedCount, 1);
    assert.equal(await zones.countDocuments({ name: { $regex: '^zone$', $options: 'i' } }), 1);
  });

  it('supports the query and array operators Garrison uses', async () => {
    const sensors = database.db.collection<{ name: string; tags: string[]; settings: { ntp: { servers: string[] } }; revokedAt?: Date | null }>(
      'operators_probe',
    );
    await sensors.insertMany([
      { name: 'Plant-A', tags: ['north'], settings: { ntp: { servers: ['10.0.0.1'] } }, revokedAt: null },
      { name: 'plant-b', tags: ['south'], settings: { ntp: { servers: ['10.0.0.2'] } } },
      { name: 'Office', tags: [], settings: { ntp: { servers: [] } }, revokedAt: new Date() },
    ]);
    assert.equal(await sensors.countDocuments({ name: { $regex: '^plant', $options: 'i' } }), 2);
    assert.equal(await sensors.countDocuments({ 'settings.ntp.servers': '10.0.0.2' }), 1);
    assert.equal(await sensors.countDocuments({ revokedAt: null }), 2, 'null matches null and missing');
    assert.equal(await sensors.countDocuments({ revokedAt: { $exists: true } }), 2);
    assert.equal(await sensors.countDocuments({ $or: [{ tags: 'north' }, { name: { $in: ['Office'] } }] }), 2);
    await sensors.updateOne({ name: 'plant-b' }, { $addToSet: { tags: 'critical' } });
    await sensors.updateOne({ name: 'plant-b' }, { $addToSet: { tags: 'critical' } });
    await sensors.updateOne({ name: 'Plant-A' }, { $pull: { tags: 'north' } });
    await sensors.updateOne({ name: 'Office' }, { $push: { tags: { $each: ['x', 'y', 'z'] } } });
    assert.deepEqual((await sensors.findOne({ name: 'plant-b' }))?.tags, ['south', 'critical']);
    assert.deepEqual((await sensors.findOne({ name: 'Plant-A' }))?.tags, []);
    assert.deepEqual((await sensors.findOne({ name: 'Office' }))?.tags, ['x', 'y', 'z']);
  });

  it('has no TTL indexes: createIndex with expireAfterSeconds is refused, so expiry is a job that deletes by an indexed date', async () => {
    const sessions = database.db.collection<{ _id: string; expiresAt: Date }>('sessions_probe');
    await assert.rejects(
      sessions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 }),
      (error: unknown) => error instanceof MongoServerError && error.code === 238 && /expireAfterSeconds/.test(error.message),
    );
    // Workaround: a plain index and a periodic `deleteMany({ expiresAt: { $lte: now } })`.
    await sessions.createIndex({ expiresAt: 1 });
    const now = Date.now();
    await sessions.insertMany([
      { _id: 'expired', expiresAt: new Date(now - 1_000) },
      { _id: 'live', expiresAt: new Date(now + 60_000) },
    ]);
    const removed = await sessions.deleteMany({ expiresAt: { $lte: new Date(now) } });
    assert.equal(removed.deletedCount, 1);
    assert.deepEqual(await sessions.distinct('_id'), ['live']);
  });

  it('runs agenda jobs through @agendajs/mongo-backend: now() and every(), then stops', async () => {
    // While a job runs, agenda checks its lock every lockLifetime / 2 with a timer it does not
    // cancel when the job ends or agenda stops: with the default (10 min) that timer keeps the
    // process alive 5 minutes after stop(). A short lifetime keeps this test from lingering.
    const agenda = new Agenda({
      backend: new MongoBackend({ mongo: database.db, collection: 'jobs' }),
      processEvery: 100,
      defaultLockLifetime: 2_000,
    });
    const onceRuns: unknown[] = [];
    let ticks = 0;
    agenda.define('probe-once', async (job) => {
      onceRuns.push(job.attrs.data);
    });
    agenda.define('probe-tick', async () => {
      ticks += 1;
    });
    try {
      await agenda.start();
      await agenda.now('probe-once', { sensorId: 's1' });
      await agenda.every('1 second', 'probe-tick');
      const giveUpAt = Date.now() + 15_000;
      while ((onceRuns.length < 1 || ticks < 2) && Date.now() < giveUpAt) await sleep(50);
      assert.deepEqual(onceRuns, [{ sensorId: 's1' }]);
      assert.ok(ticks >= 2, `the repeating job ran ${ticks} time(s)`);
    } finally {
      await agenda.stop();
    }
    const stored = await database.db.collection('jobs').find({}, { projection: { name: 1, type: 1, lockedAt: 1 } }).toArray();
    assert.deepEqual(stored.map((job) => job.name).sort(), ['probe-once', 'probe-tick']);
    assert.ok(stored.every((job) => job.lockedAt == null), 'stop() unlocked every job');
  });
});
