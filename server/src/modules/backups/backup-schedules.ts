/**
 * When each sensor is backed up. The default is every sensor daily at the
 * policy's time (03:00 console time); an override per site, zone or sensor
 * replaces it (the most specific wins: sensor, then zone, then site) and may
 * name a target or turn backups off.
 *
 * Starts are spread: a sensor's slot is its schedule time plus an offset
 * inside the spread window (default 60 min) taken from a hash of its id, so
 * it is the same every day and a thousand sensors do not start at once; the
 * run job's concurrency caps how many run together.
 *
 * The tick (every few seconds) creates the run of every slot that fell due
 * within the catch-up period and after the schedule was saved and the sensor
 * enrolled; the unique (sensorId, slotKey) index makes that idempotent, so a
 * tick that runs twice, or two consoles ticking, create one run per slot.
 */
import { createHash } from 'node:crypto';
import type { BackupPolicyDocument, BackupScheduleDocument, ScheduleScope } from './backup-documents.js';

/** A slot missed by at most this much (console restarted, tick late) still runs. */
export const CATCH_UP_MS = 2 * 3600_000;

export interface EffectiveSchedule {
  enabled: boolean;
  time: string;
  targetId: string | null;
  /** Where it comes from: 'default' or the override's scope. */
  origin: 'default' | ScheduleScope;
  savedAt: Date | null;
}

export interface SensorPlacement {
  _id: string;
  siteId: string | null;
  zoneId: string | null;
}

export function effectiveSchedule(sensor: SensorPlacement, schedules: readonly BackupScheduleDocument[], policy: BackupPolicyDocument): EffectiveSchedule {
  const find = (scope: ScheduleScope, id: string | null) => (id === null ? undefined : schedules.find((schedule) => schedule.scope === scope && schedule.scopeId === id));
  const override = find('sensor', sensor._id) ?? find('zone', sensor.zoneId) ?? find('site', sensor.siteId);
  if (!override) return { enabled: true, time: policy.defaultTime, targetId: null, origin: 'default', savedAt: null };
  return { enabled: override.enabled, time: override.time, targetId: override.targetId, origin: override.scope, savedAt: override.updatedAt };
}

/** Seconds after the schedule time at which this sensor starts, stable per sensor. */
export function spreadOffsetSeconds(sensorId: string, windowMinutes: number): number {
  if (windowMinutes <= 0) return 0;
  const hash = createHash('sha256').update(sensorId).digest();
  return hash.readUInt32BE(0) % (windowMinutes * 60);
}

/** The latest slot (console local time `HH:mm` + offset) at or before `now`. */
export function latestSlot(now: Date, time: string, offsetSeconds: number): Date {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  const slot = new Date(now.getFullYear(), now.getMonth(), now.getDate(), hours, minutes, 0, 0);
  slot.setSeconds(slot.getSeconds() + offsetSeconds);
  while (slot.getTime() > now.getTime()) slot.setDate(slot.getDate() - 1);
  return slot;
}

/** The slot to create now for a sensor, or null (none due, or too old to catch up). */
export function dueSlot(now: Date, schedule: EffectiveSchedule, sensorId: string, enrolledAt: Date, policy: BackupPolicyDocument): Date | null {
  if (!schedule.enabled) return null;
  const slot = latestSlot(now, schedule.time, spreadOffsetSeconds(sensorId, policy.spreadWindowMinutes));
  if (now.getTime() - slot.getTime() > CATCH_UP_MS) return null;
  if (slot.getTime() < enrolledAt.getTime()) return null;
  if (schedule.savedAt && slot.getTime() < schedule.savedAt.getTime()) return null;
  return slot;
}
