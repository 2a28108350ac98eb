/**
 * Every quarter of an hour: raise 'backup.missing' for each sensor without a
 * successful backup for the policy's hours (default 36), once until its next
 * success. Idempotent: the raise is remembered per sensor.
 */
import { z } from 'zod';
import type { JobKind } from '../../../platform/jobs/job-scheduler.js';

export const MISSING_CHECK_INTERVAL = '15 minutes';

const data = z.strictObject({});

export function backupMissingCheckJob(check: () => Promise<unknown>): JobKind<typeof data> {
  return {
    name: 'backup-missing-check',
    data,
    run: async () => {
      await check();
    },
  };
}
