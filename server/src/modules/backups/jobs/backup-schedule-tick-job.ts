/**
 * Every few seconds: create the runs of the backup slots that fell due (see
 * backup-schedules.ts). Idempotent through the unique (sensorId, slotKey) index.
 */
import { z } from 'zod';
import type { JobKind } from '../../../platform/jobs/job-scheduler.js';

export const SCHEDULE_TICK_INTERVAL = '20 seconds';

const data = z.strictObject({});

export function backupScheduleTickJob(tick: () => Promise<unknown>): JobKind<typeof data> {
  return {
    name: 'backup-schedule-tick',
    data,
    run: async () => {
      await tick();
    },
  };
}
