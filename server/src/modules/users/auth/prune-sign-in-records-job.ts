/**
 * Hourly: delete sessions past their timeouts and lockout records past any
 * window. Sessions are already refused when expired; this only keeps the
 * collections small (FerretDB has no TTL indexes to do it). Idempotent.
 */
import { z } from 'zod';
import type { JobKind } from '../../../platform/jobs/job-scheduler.js';
import type { LockoutGuard } from './lockout-guard.js';
import type { SessionService } from './session-service.js';

export function pruneSignInRecordsJob(sessions: SessionService, lockout: LockoutGuard): JobKind<z.ZodObject<Record<string, never>>> {
  return {
    name: 'prune-sign-in-records',
    data: z.strictObject({}),
    async run() {
      await sessions.prune();
      await lockout.prune();
    },
  };
}
