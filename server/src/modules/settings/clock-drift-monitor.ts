/**
 * Clock drift: watches 'sensor.health-reported' and publishes
 * 'sensor.clock-drift' once when a sensor's |clock skew| passes the threshold
 * (detected) and once when it falls back under the clear level (cleared).
 * Clearing below a lower level than the one that raised (hysteresis) keeps a
 * clock hovering at the limit from producing a stream of events.
 *
 * The state lives in `sensorSettingsStatus` and each transition is a
 * conditional update, so a console restart or a second instance does not
 * publish the same transition twice. The in-memory map is only a cache that
 * spares a database read per health report. The first report of each sensor
 * after a start does read the stored state; those reads are batched
 * (PipelinedBatch: one `_id $in` read in flight, the next takes everything
 * that arrived meanwhile), because after a console restart every sensor of the
 * fleet reports within seconds, and one read each made a thousand small reads
 * in ten seconds, a fifth of the embedded database's time in the storm.
 */
import { IDS_PER_IN_READ } from '../../platform/database/database.js';
import type { EventBus } from '../../platform/event-bus.js';
import type { Logger } from '../../platform/logger.js';
import { PipelinedBatch } from '../../platform/pipelined-batch.js';
import type { SensorHealthReported } from '../fleet/fleet-events.js';
import './settings-events.js';
import type { SettingsModels } from './settings-model.js';

export interface ClockDriftOptions {
  /** |skew| above this raises drift. Default 60 s. */
  thresholdMs?: number;
  /** |skew| at or below this clears it. Default half the threshold. */
  clearBelowMs?: number;
}

export const DEFAULT_CLOCK_DRIFT_THRESHOLD_MS = 60_000;

export class ClockDriftMonitor {
  readonly thresholdMs: number;
  readonly clearBelowMs: number;
  private readonly drifting = new Map<string, boolean>();
  /** Reports of one sensor are handled one after another, so two quick reports cannot race their transitions. */
  private readonly queues = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  /** The stored state of sensors not in `drifting` yet, read together. */
  private readonly stored: PipelinedBatch<string, boolean>;

  constructor(
    private readonly models: SettingsModels,
    private readonly events: EventBus,
    private readonly logger: Logger,
    options: ClockDriftOptions = {},
  ) {
    this.thresholdMs = options.thresholdMs ?? DEFAULT_CLOCK_DRIFT_THRESHOLD_MS;
    this.clearBelowMs = Math.min(options.clearBelowMs ?? this.thresholdMs / 2, this.thresholdMs);
    this.stored = new PipelinedBatch(async (sensorIds) => {
      const statuses = await this.models.statuses.find({ _id: { $in: [...new Set(sensorIds)] } }, { clockDrifting: 1 }).lean();
      const drifting = new Map(statuses.map((status) => [status._id, status.clockDrifting ?? false]));
      return sensorIds.map((sensorId) => drifting.get(sensorId) ?? false);
    }, IDS_PER_IN_READ);
  }

  start(): void {
    this.unsubscribe ??= this.events.on('sensor.health-reported', (report) => this.enqueue(report));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves when every report received so far was handled (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private enqueue(report: SensorHealthReported): Promise<void> {
    const previous = this.queues.get(report.sensorId) ?? Promise.resolve();
    const next = previous
      .then(() => this.handle(report))
      .catch((error: unknown) => this.logger.error({ err: error, sensorId: report.sensorId }, 'clock drift check failed'));
    this.queues.set(report.sensorId, next);
    void next.then(() => {
      if (this.queues.get(report.sensorId) === next) this.queues.delete(report.sensorId);
    });
    return next;
  }

  private async handle(report: SensorHealthReported): Promise<void> {
    const skew = Math.abs(report.clockSkewMs);
    let drifting = this.drifting.get(report.sensorId);
    drifting ??= await this.stored.load(report.sensorId);
    const shouldDrift = drifting ? skew > this.clearBelowMs : skew > this.thresholdMs;
    if (shouldDrift === drifting) {
      this.drifting.set(report.sensorId, drifting);
      return;
    }
    // Only the instance whose conditional update changes the stored state publishes.
    const result = await this.models.statuses.updateOne(
      { _id: report.sensorId, clockDrifting: drifting },
      { $set: { clockDrifting: shouldDrift, clockDriftChangedAt: report.at } },
    );
    let won = result.modifiedCount === 1;
    if (result.matchedCount === 0 && !drifting) {
      won = await this.insertDrifting(report);
    }
    if (!won) {
      // Another instance changed the stored state first: forget the cached view and read it again next time.
      this.drifting.delete(report.sensorId);
      return;
    }
    this.drifting.set(report.sensorId, shouldDrift);
    this.events.publish('sensor.clock-drift', {
      sensorId: report.sensorId,
      sensorName: report.sensorName,
      siteId: report.siteId,
      zoneId: report.zoneId,
      state: shouldDrift ? 'detected' : 'cleared',
      clockSkewMs: report.clockSkewMs,
      thresholdMs: this.thresholdMs,
      at: report.at,
    });
  }

  /** First drift of a sensor with no status document yet; the unique _id decides between instances. */
  private async insertDrifting(report: SensorHealthReported): Promise<boolean> {
    try {
      await this.models.statuses.create({ _id: report.sensorId, appliedRevision: null, lastResult: null, clockDrifting: true, clockDriftChangedAt: report.at });
      return true;
    } catch (error) {
      if ((error as { code?: unknown }).code === 11000) return false;
      throw error;
    }
  }
}
