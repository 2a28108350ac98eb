/**
 * Daily housekeeping: one-off jobs (backups now, test sends, …) stay in the jobs
 * collection after they finish; remove those finished more than a week ago so
 * the collection does not grow without end. Recurring jobs are never touched.
 * Idempotent: running it twice removes nothing the second time.
 */
import { z } from 'zod';
import type { Db } from 'mongodb';
import type { JobKind } from '../../platform/jobs/job-scheduler.js';

export const FINISHED_JOB_RETENTION_MS = 7 * 24 * 3600_000;

export interface HousekeepingRecord {
  _id: string;
  lastRunAt: Date;
  removed: number;
}

export function pruneFinishedJobsJob(db: Db): JobKind<z.ZodObject<Record<string, never>>> {
  return {
    name: 'prune-finished-jobs',
    data: z.strictObject({}),
    async run() {
      const cutoff = new Date(Date.now() - FINISHED_JOB_RETENTION_MS);
      const result = await db.collection('jobs').deleteMany({
        repeatInterval: { $in: [null] },
        nextRunAt: { $in: [null] },
        lastFinishedAt: { $lt: cutoff },
      });
      await db.collection<HousekeepingRecord>('housekeeping').updateOne(
        { _id: 'prune-finished-jobs' },
        { $set: { lastRunAt: new Date(), removed: result.deletedCount } },
        { upsert: true },
      );
    },
  };
}
