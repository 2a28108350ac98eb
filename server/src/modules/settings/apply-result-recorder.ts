/**
 * Stores what sensors report after applying settings, in batches. A zone push
 * brings thousands of acknowledgements within a second or two; one upsert and
 * one sensor read each made the database the bottleneck (on FerretDB most of
 * the push time went there). Results that arrive while a batch is being
 * written wait for the next one. In a batch, the successes of one revision
 * (a zone push: nearly all of them) are one `updateMany` (one statement,
 * whatever the count; their `at` is when the batch was stored); sensors with no
 * status document yet are one insertMany; failures are upserts through bulkWriteInBatches
 * (at most MAX_OPERATIONS_PER_BULK_WRITE per command: FerretDB deadlocks on
 * large ones). Sensors the caller did not describe are read once per batch.
 *
 * `record` resolves once the result is stored and 'settings.apply-result' is
 * published, so "recorded" still means "visible in the drift report". Results
 * of one sensor keep their order (batches one after another; within a batch,
 * the last result of a sensor is the one stored).
 */
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import type { EventBus } from '../../platform/event-bus.js';
import { bulkWriteInBatches, isDuplicateKeyError } from '../../platform/database/database.js';
import type { SensorRef } from '../fleet/fleet-events.js';
import type { SensorModel } from '../fleet/sensor-model.js';
import type { ApplyResult, SensorSettingsStatusDocument } from './settings-model.js';

/** Where a sensor is, when the caller knows it (saves a read per batch). */
export type SensorPlace = Omit<SensorRef, 'sensorId'>;

export interface ApplyReport {
  sensorId: string;
  /** The stored result: the reason is already cleaned (one line, bounded). */
  result: ApplyResult;
  sensor?: SensorPlace | undefined;
}

/** Results per batch: one updateMany statement for the successes, so this bounds memory, not commands. */
const MAX_BATCH = 1000;

interface Waiting extends ApplyReport {
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class ApplyResultRecorder {
  private pending: Waiting[] = [];
  private writing: Promise<void> | null = null;

  constructor(
    private readonly statuses: Collection<SensorSettingsStatusDocument>,
    private readonly sensors: SensorModel,
    private readonly events: EventBus,
  ) {}

  record(report: ApplyReport): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...report, resolve, reject });
      this.writing ??= this.writeAll();
    });
  }

  private async writeAll(): Promise<void> {
    // One turn of the event loop, so acknowledgements read from the sockets together share a command.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.store(batch);
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.writing = null;
  }

  private async store(batch: Waiting[]): Promise<void> {
    // The last result of each sensor in the batch is the one to store (their events all go out).
    const last = new Map(batch.map((entry) => [entry.sensorId, entry.result]));
    const storedAt = new Date();
    const upserts: Array<[string, ApplyResult]> = [];
    for (const [revision, sensorIds] of successesByRevision(last)) {
      const lastResult: ApplyResult = { revision, ok: true, reason: null, at: storedAt };
      const updated = await this.statuses.updateMany({ _id: { $in: sensorIds } }, { $set: { lastResult, appliedRevision: revision } });
      if (updated.matchedCount === sensorIds.length) continue;
      // First results of sensors never heard from: one insert for all; if one was created meanwhile, they are upserted below.
      const existing = new Set((await this.statuses.find({ _id: { $in: sensorIds } }, { projection: { _id: 1 } }).toArray()).map((status) => status._id));
      const missing = sensorIds.filter((sensorId) => !existing.has(sensorId));
      const documents = missing.map((sensorId) => ({ _id: sensorId, appliedRevision: revision, lastResult, clockDrifting: false, clockDriftChangedAt: null }));
      try {
        if (documents.length > 0) await this.statuses.insertMany(documents, { ordered: false });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // Rare (the clock-drift monitor created some meanwhile): upsert them all, which sets the same values.
        for (const sensorId of missing) upserts.push([sensorId, lastResult]);
      }
    }
    for (const [sensorId, result] of last) if (!result.ok) upserts.push([sensorId, result]);
    const operations = upserts.map(([sensorId, result]): AnyBulkWriteOperation<SensorSettingsStatusDocument> => ({
      updateOne: {
        filter: { _id: sensorId },
        update: {
          $set: { lastResult: result, ...(result.ok ? { appliedRevision: result.revision } : {}) },
          $setOnInsert: { clockDrifting: false, clockDriftChangedAt: null, ...(result.ok ? {} : { appliedRevision: null }) },
        },
        upsert: true,
      },
    }));
    if (operations.length > 0) await bulkWriteInBatches(this.statuses, operations);
    const unknown = [...new Set(batch.filter((entry) => !entry.sensor).map((entry) => entry.sensorId))];
    const found = unknown.length === 0 ? [] : await this.sensors.find({ _id: { $in: unknown } }, { name: 1, siteId: 1, zoneId: 1 }).lean();
    const places = new Map<string, SensorPlace>(found.map((sensor) => [sensor._id, { sensorName: sensor.name, siteId: sensor.siteId, zoneId: sensor.zoneId }]));
    for (const { sensorId, result, sensor } of batch) {
      const place = sensor ?? places.get(sensorId) ?? { sensorName: sensorId, siteId: null, zoneId: null };
      this.events.publish('settings.apply-result', { sensorId, ...place, revision: result.revision, ok: result.ok, reason: result.reason, at: result.ok ? storedAt : result.at });
    }
  }
}

/** Sensor ids whose last result is a success, by the revision they applied. */
function successesByRevision(last: Map<string, ApplyResult>): Map<number, string[]> {
  const byRevision = new Map<number, string[]>();
  for (const [sensorId, result] of last) {
    if (!result.ok) continue;
    const sensorIds = byRevision.get(result.revision) ?? [];
    sensorIds.push(sensorId);
    byRevision.set(result.revision, sensorIds);
  }
  return byRevision;
}
