/**
 * Runs one backup run. At most BACKUP_CONCURRENCY run at once per console, so
 * "back up the zone now" or a crowded schedule window queue up instead of
 * loading the console and the network all at once. Idempotent: the runner
 * claims the run with a conditional update, so a second execution does nothing.
 */
import { z } from 'zod';
import type { JobKind } from '../../../platform/jobs/job-scheduler.js';

export const BACKUP_CONCURRENCY = 4;

const data = z.strictObject({ runId: z.string().min(1).max(64) });

export function backupRunJob(run: (runId: string) => Promise<void>): JobKind<typeof data> {
  return {
    name: 'backup-run',
    data,
    concurrency: BACKUP_CONCURRENCY,
    run: ({ runId }) => run(runId),
  };
}
