/**
 * Every few seconds: create the runs of the backup slots that fell due (see
 * backup-schedules.ts). Idempotent through the unique (sensorId, slotKey) index.
 *
 * Each tick reads every sensor. On the embedded database that read costs
 * about 0.3 ms per sensor: at 5,000 sensors 1.5–3 s of its time every 20 s,
 * 8–15% of it, in the middle of link storms and zone pushes. So a tick that
 * took long makes the next ones wait (TickPacer): ticks take at most
 * TICK_TIME_SHARE of the time, and a slot is found at most MAX_TICK_WAIT_MS
 * late, well inside its catch-up period (2 hours).
 */
import { z } from 'zod';
import type { JobKind } from '../../../platform/jobs/job-scheduler.js';

export const SCHEDULE_TICK_INTERVAL = '20 seconds';
/** Ticks take at most this share of the time: the wait after one grows with how long it took. */
export const TICK_TIME_SHARE = 0.02;
/** However long a tick took, the next one runs within this long. */
export const MAX_TICK_WAIT_MS = 5 * 60_000;

const data = z.strictObject({});

/** Skips a tick that comes sooner after the last one than that one's duration ÷ TICK_TIME_SHARE (at most MAX_TICK_WAIT_MS). */
export class TickPacer {
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `tick` unless it is too soon; true when it ran. */
  async run(tick: () => Promise<unknown>): Promise<boolean> {
    const startedAt = this.now();
    if (startedAt < this.nextAt) return false;
    try {
      await tick();
    } finally {
      this.nextAt = startedAt + Math.min(MAX_TICK_WAIT_MS, (this.now() - startedAt) / TICK_TIME_SHARE);
    }
    return true;
  }
}

export function backupScheduleTickJob(tick: () => Promise<unknown>, pacer = new TickPacer()): JobKind<typeof data> {
  return {
    name: 'backup-schedule-tick',
    data,
    run: async () => {
      await pacer.run(tick);
    },
  };
}
