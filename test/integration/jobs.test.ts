/**
 * The job scheduler on the embedded database: a registered kind runs when asked,
 * bad job data is refused before the handler sees it, and drain() waits for a
 * running job. The housekeeping job proves the wiring end to end: it removes
 * one-off jobs finished over a week ago and keeps recurring and recent ones.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { pruneFinishedJobsJob, type HousekeepingRecord } from '../../server/src/modules/housekeeping/prune-finished-jobs-job.js';
import { ComponentRegistry } from '../../server/src/platform/components.js';
import { openDatabase, type Database } from '../../server/src/platform/database/database.js';
import { JobScheduler, type JobKind } from '../../server/src/platform/jobs/job-scheduler.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { makeTempDir } from '../helpers/test-console.js';

const logger = createLogger({ level: 'silent' });

async function waitFor<T>(what: string, read: () => Promise<T | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value) return value;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('job scheduler', () => {
  let dataDir: string;
  let database: Database;
  let scheduler: JobScheduler;
  const components = new ComponentRegistry();
  const seen: string[] = [];
  let slowStarted: () => void = () => undefined;
  const echo: JobKind<z.ZodObject<{ word: z.ZodString }>> = {
    name: 'echo',
    data: z.strictObject({ word: z.string().min(1) }),
    async run(data) {
      // Long enough that the drain test sees it running, whatever the machine's load.
      if (data.word === 'slow') slowStarted();
      await sleep(data.word === 'slow' ? 3000 : 100);
      seen.push(data.word);
    },
  };

  before(async () => {
    dataDir = await makeTempDir('jobs');
    database = await openDatabase({ dataDir, logger });
    scheduler = new JobScheduler({ db: database.db, logger, components, instanceName: 'test', processEveryMs: 200 });
    scheduler.register(pruneFinishedJobsJob(database.db));
    scheduler.register(echo);
    await scheduler.start();
  });
  after(async () => {
    await scheduler?.drain(5000);
    await database?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports itself up in the component registry', () => {
    assert.equal(components.get('scheduler')?.state, 'up');
  });

  it('runs the housekeeping job: old finished one-off jobs go, the rest stay', async () => {
    const jobs = database.db.collection<{ _id: string; name: string; lastFinishedAt: Date; nextRunAt: Date | null; repeatInterval?: string }>('jobs');
    const longAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    await jobs.insertMany([
      { _id: 'old-one-off', name: 'echo', lastFinishedAt: longAgo, nextRunAt: null },
      { _id: 'recent-one-off', name: 'echo', lastFinishedAt: new Date(), nextRunAt: null },
      { _id: 'old-recurring', name: 'echo', lastFinishedAt: longAgo, nextRunAt: new Date(Date.now() + 3600_000), repeatInterval: '1 day' },
    ]);
    await scheduler.now(pruneFinishedJobsJob(database.db), {});
    const record = await waitFor('the housekeeping record', () => database.db.collection<HousekeepingRecord>('housekeeping').findOne({ _id: 'prune-finished-jobs' }));
    assert.equal(record.removed, 1);
    const left = (await jobs.find({ _id: { $in: ['old-one-off', 'recent-one-off', 'old-recurring'] } }).toArray()).map((job) => job._id).sort();
    assert.deepEqual(left, ['old-recurring', 'recent-one-off']);
  });

  it('refuses job data that does not match the kind before anything is stored', async () => {
    await assert.rejects(scheduler.now(echo, { word: '' }), /Too small|at least/i);
  });

  it('drain waits for a running job to finish', async () => {
    const started = new Promise<void>((resolve) => {
      slowStarted = resolve;
    });
    await scheduler.now(echo, { word: 'slow' });
    await started;
    await scheduler.drain(10_000);
    assert.ok(seen.includes('slow'), 'the running job finished before drain returned');
    assert.equal(components.get('scheduler')?.state, 'stopped');
  });
});
