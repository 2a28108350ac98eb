/**
 * Presence of the sensors linked to THIS console instance, and the batched
 * writes that record it:
 *   connected → unreachable (socket closed / ping timeout)
 *   → disconnected once the grace period has passed → connected again.
 *
 * One timer drives everything: each tick flushes queued presence changes,
 * moves sensors whose grace period elapsed to disconnected (the grace queue is
 * a Map in the order sensors became unreachable, so a tick stops at the first
 * one still inside its grace period), and every ~2 s flushes health/last-seen
 * as one fleet.recordHealth batch: never a database write per heartbeat.
 * Presence and health flush independently: a health flush of thousands of
 * sensors takes seconds, and a closed link must not wait behind it to be
 * shown unreachable (its write goes in between the health batches).
 *
 * Health writes to the database are spaced out on large fleets; every report
 * is still published at once (`sensor.health-reported`: the live views, clock
 * drift, no-traffic). At most about HEALTH_WRITES_PER_SECOND sensors' health
 * is written per second: up to 1,500 sensors reporting every 30 s that is
 * every report, as before; beyond it each sensor's newest report is written
 * every (fleet ÷ 50) seconds (100 s at 5,000 sensors). A sensor's first
 * report after it linked, and its newest one when its link closes or the
 * console stops, are written at the next flush whatever the spacing. On the
 * embedded database writing every report of 5,000 sensors took 25–37% of its
 * time (1.5–2 ms per sensor, 167 sensors a second) and almost half of the
 * database time of a 5,000-sensor zone push.
 *
 * Per-instance state: with several console instances, a sensor that moves to
 * another instance during its grace period would be marked disconnected by
 * the old one; that needs a presence lease in the database (owner instance +
 * expiry), checked before writing 'disconnected'.
 */
import type { FleetService, HealthUpdate, PresenceUpdate } from '../modules/fleet/fleet-service-contract.js';
import type { PresenceReason } from '../modules/fleet/sensor-model.js';
import type { Logger } from '../platform/logger.js';

const TICK_MS = 250;
const HEALTH_FLUSH_MS = 2000;
/** About how many sensors' health is written per second at most; see the header. */
const HEALTH_WRITES_PER_SECOND = 50;
/** A sensor whose health was last written this long ago and that has nothing queued stopped reporting: forget it. */
const HEALTH_FORGET_MS = 15 * 60_000;
/** While the database refuses writes, keep at most this many presence changes (the newest); older ones are superseded anyway. */
const MAX_QUEUED_PRESENCE = 20_000;

export interface PresenceTrackerOptions {
  fleet: () => FleetService;
  logger: Logger;
  graceMs: number;
  now?: () => number;
}

export class PresenceTracker {
  private readonly unreachableSince = new Map<string, number>();
  private presenceQueue: PresenceUpdate[] = [];
  private healthQueue = new Map<string, HealthUpdate>();
  /** When each reporting sensor's health was last written (tracker clock); absent: its next report is due at once. */
  private readonly healthWrittenAt = new Map<string, number>();
  /** Reports published but not written yet (newest per sensor): written when the link closes or the tracker stops. */
  private readonly healthUnwritten = new Map<string, HealthUpdate>();
  private lastHealthFlush = 0;
  private timer: NodeJS.Timeout | null = null;
  private presenceFlushing: Promise<void> | null = null;
  private healthFlushing: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: PresenceTrackerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.lastHealthFlush = this.now();
    this.timer = setInterval(() => this.tick(), Math.min(TICK_MS, Math.max(50, Math.floor(this.options.graceMs / 4))));
    this.timer.unref();
  }

  /** Stops the timer and writes everything still queued. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([this.presenceFlushing, this.healthFlushing]);
    for (const sensorId of this.healthUnwritten.keys()) this.requeueUnwritten(sensorId);
    await Promise.all([this.flushPresence(), this.flushHealth(true)]);
  }

  connected(sensorId: string): void {
    this.unreachableSince.delete(sensorId);
    this.healthWrittenAt.delete(sensorId);
    this.queue(sensorId, 'connected', 'link-established');
  }

  /** The link closed; `reason` says how. The sensor becomes disconnected unless it is back within the grace period. */
  unreachable(sensorId: string, reason: PresenceReason): void {
    this.unreachableSince.delete(sensorId);
    this.requeueUnwritten(sensorId);
    this.unreachableSince.set(sensorId, this.now());
    this.queue(sensorId, 'unreachable', reason);
  }

  /**
   * Every link closes at once (the console is stopping): one change each, all at the same moment, so the
   * fleet records them as a few multi-sensor updates instead of one write per sensor.
   */
  allUnreachable(sensorIds: Iterable<string>, reason: PresenceReason): void {
    const at = new Date(this.now());
    for (const sensorId of sensorIds) {
      this.unreachableSince.delete(sensorId);
      this.unreachableSince.set(sensorId, at.getTime());
      this.queue(sensorId, 'unreachable', reason, at);
    }
  }

  /** The link closed for a reason that is already final (revoked): no grace period. */
  forget(sensorId: string): void {
    this.unreachableSince.delete(sensorId);
    this.healthQueue.delete(sensorId);
    this.healthWrittenAt.delete(sensorId);
    this.healthUnwritten.delete(sensorId);
  }

  health(update: HealthUpdate): void {
    // Only the newest report per sensor matters for the next flush.
    this.healthQueue.set(update.sensorId, update);
  }

  /** How many sensors are inside their grace period (for the bench and diagnostics). */
  pendingGraceCount(): number {
    return this.unreachableSince.size;
  }

  /** A report that was published but not written goes back in the queue (unless a newer one waits there), due at once. */
  private requeueUnwritten(sensorId: string): void {
    const unwritten = this.healthUnwritten.get(sensorId);
    this.healthUnwritten.delete(sensorId);
    this.healthWrittenAt.delete(sensorId);
    if (unwritten && !this.healthQueue.has(sensorId)) this.healthQueue.set(sensorId, unwritten);
  }

  private queue(sensorId: string, state: PresenceUpdate['state'], reason: PresenceReason, at = new Date(this.now())): void {
    this.presenceQueue.push({ sensorId, state, reason, at });
  }

  private tick(): void {
    const now = this.now();
    for (const [sensorId, since] of this.unreachableSince) {
      if (now - since < this.options.graceMs) break;
      this.unreachableSince.delete(sensorId);
      this.queue(sensorId, 'disconnected', 'grace-period-elapsed');
    }
    if (!this.presenceFlushing && this.presenceQueue.length > 0) {
      this.presenceFlushing = this.flushPresence().finally(() => {
        this.presenceFlushing = null;
      });
    }
    if (!this.healthFlushing && now - this.lastHealthFlush >= HEALTH_FLUSH_MS) {
      this.lastHealthFlush = now;
      this.healthFlushing = this.flushHealth().finally(() => {
        this.healthFlushing = null;
      });
    }
  }

  private async flushPresence(): Promise<void> {
    const presence = this.presenceQueue;
    this.presenceQueue = [];
    if (presence.length === 0) return;
    try {
      await this.options.fleet().updatePresence(presence);
    } catch (error) {
      // Put them back in front: order matters per sensor, and the next tick retries.
      this.presenceQueue = [...presence, ...this.presenceQueue].slice(-MAX_QUEUED_PRESENCE);
      this.options.logger.warn({ err: error, count: presence.length }, 'could not record sensor presence; retrying');
    }
  }

  /** Publishes every queued report and writes the ones that are due (all with `everything`); see the header. */
  private async flushHealth(everything = false): Promise<void> {
    if (this.healthQueue.size === 0) return;
    const now = this.now();
    const health = [...this.healthQueue.values()];
    this.healthQueue = new Map();
    const spacingMs = (this.healthWrittenAt.size / HEALTH_WRITES_PER_SECOND) * 1000;
    const due = new Set<string>();
    for (const { sensorId } of health) {
      const writtenAt = this.healthWrittenAt.get(sensorId);
      if (everything || writtenAt === undefined || now - writtenAt >= spacingMs) due.add(sensorId);
    }
    for (const [sensorId, writtenAt] of this.healthWrittenAt) {
      if (now - writtenAt > HEALTH_FORGET_MS && !this.healthUnwritten.has(sensorId)) this.healthWrittenAt.delete(sensorId);
    }
    try {
      await this.options.fleet().recordHealth(health, due);
      for (const update of health) {
        if (due.has(update.sensorId)) {
          this.healthWrittenAt.set(update.sensorId, now);
          this.healthUnwritten.delete(update.sensorId);
        } else if (this.unreachableSince.has(update.sensorId)) {
          // Its link closed while this flush ran: its newest report is written at the next one.
          this.healthQueue.set(update.sensorId, this.healthQueue.get(update.sensorId) ?? update);
        } else {
          this.healthUnwritten.set(update.sensorId, update);
        }
      }
    } catch (error) {
      for (const update of health) if (!this.healthQueue.has(update.sensorId)) this.healthQueue.set(update.sensorId, update);
      this.options.logger.warn({ err: error, count: health.length }, 'could not record sensor health; retrying');
    }
  }
}
