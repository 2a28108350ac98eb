import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { pruneFinishedJobsJob } from './prune-finished-jobs-job.js';

export function createHousekeepingModule(context: ConsoleContext): ConsoleModule {
  const pruneFinishedJobs = pruneFinishedJobsJob(context.db);
  return {
    name: 'housekeeping',
    jobKinds: [pruneFinishedJobs],
    async start() {
      await context.scheduler.every('1 day', pruneFinishedJobs, {});
    },
  };
}
