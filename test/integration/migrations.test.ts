/**
 * Migrations run once, whoever starts first: two runners (two consoles) racing on
 * one database apply each migration exactly once, a second run applies nothing,
 * a failed migration is retried on the next start, and two real consoles started
 * together on one MongoDB-compatible database both come up.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { Db } from 'mongodb';
import { migrations } from '../../migrations/index.js';
import { openDatabase, type Database } from '../../server/src/platform/database/database.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { MigrationRunner, type Migration } from '../../server/src/platform/migrations/migration-runner.js';
import { makeTempDir, startTestConsole } from '../helpers/test-console.js';

const logger = createLogger({ level: 'silent' });

function countingMigration(id: string, db: () => Db, delayMs = 50): Migration {
  return {
    id,
    description: `counts its runs (${id})`,
    async up() {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await db().collection<{ _id: string; runs: number }>('migrationRuns').updateOne({ _id: id }, { $inc: { runs: 1 } }, { upsert: true });
    },
  };
}

describe('migrations', () => {
  let dataDir: string;
  let database: Database;
  let second: Database;

  before(async () => {
    dataDir = await makeTempDir('migrations');
    database = await openDatabase({ dataDir, logger });
    second = await openDatabase({ mongodbUri: database.uri, dataDir, logger });
  });
  after(async () => {
    await second?.close();
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('apply each migration exactly once when two consoles race', async () => {
    const list = (db: () => Db) => [countingMigration('001-a', db), countingMigration('002-b', db), countingMigration('003-c', db)];
    const first = new MigrationRunner(database.db, list(() => database.db), logger);
    const other = new MigrationRunner(second.db, list(() => second.db), logger);
    const [appliedByFirst, appliedByOther] = await Promise.all([first.up(), other.up()]);
    assert.deepEqual([...appliedByFirst, ...appliedByOther].sort(), ['001-a', '002-b', '003-c']);
    const runs = await database.db.collection<{ _id: string; runs: number }>('migrationRuns').find().sort({ _id: 1 }).toArray();
    assert.deepEqual(runs.map((run) => [run._id, run.runs]), [['001-a', 1], ['002-b', 1], ['003-c', 1]]);
    const status = await first.status();
    assert.ok(status.every((entry) => entry.appliedAt instanceof Date));
  });

  it('are idempotent: a second run applies nothing', async () => {
    const runner = new MigrationRunner(database.db, [countingMigration('001-a', () => database.db)], logger);
    assert.deepEqual(await runner.up(), []);
  });

  it('retry a migration that failed on the next run', async () => {
    let fail = true;
    const flaky: Migration = {
      id: '004-flaky',
      description: 'fails once',
      async up() {
        if (fail) throw new Error('disk on fire');
      },
    };
    const runner = () => new MigrationRunner(database.db, [flaky], logger);
    await assert.rejects(runner().up(), /disk on fire/);
    assert.equal((await runner().status())[0]?.appliedAt, null);
    fail = false;
    assert.deepEqual(await runner().up(), ['004-flaky']);
  });

  it('take over a lock left by a console that crashed mid-migration', async () => {
    await database.db.collection<{ _id: string; owner: string; expiresAt: Date }>('migrationLocks').insertOne({
      _id: 'migrations',
      owner: 'crashed-console',
      expiresAt: new Date(Date.now() - 1000),
    });
    const runner = new MigrationRunner(database.db, [countingMigration('005-after-crash', () => database.db, 0)], logger);
    assert.deepEqual(await runner.up(5000), ['005-after-crash']);
  });

  it('refuse a list that is out of order or has duplicates', () => {
    const a = countingMigration('002-a', () => database.db);
    const b = countingMigration('001-b', () => database.db);
    assert.throws(() => new MigrationRunner(database.db, [a, b], logger), /id order/);
    assert.throws(() => new MigrationRunner(database.db, [b, b], logger), /share an id/);
  });

  it('let two real consoles start together on one database', async () => {
    const sharedDir = await makeTempDir('shared-db');
    const shared = await openDatabase({ dataDir: sharedDir, logger });
    try {
      const env = { MONGODB_URI: shared.uri };
      const consoles = await Promise.all([startTestConsole({ env }), startTestConsole({ env })]);
      try {
        const applied = await shared.db.collection('migrations').find().toArray();
        assert.deepEqual(applied.map((document) => document._id).sort(), migrations.map((migration) => migration.id).sort());
        for (const started of consoles) assert.equal(started.garrison.components.get('database')?.detail, 'MongoDB');
      } finally {
        await Promise.all(consoles.map((started) => started.destroy()));
      }
    } finally {
      await shared.close();
      await rm(sharedDir, { recursive: true, force: true });
    }
  });
});
