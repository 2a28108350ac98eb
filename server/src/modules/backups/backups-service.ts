/**
 * The backups service: starting runs (scheduled, "back up now" for a sensor or
 * a zone), listing runs and files, schedules and the policy, the periodic
 * checks, and restore. Routes and jobs call it; the runner does the runs.
 */
import { randomUUID } from 'node:crypto';
import type { Filter, MongoServerError } from 'mongodb';
import type { Model } from 'mongoose';
import type { ConsoleContext } from '../../platform/console-module.js';
import { IDS_PER_IN_READ } from '../../platform/database/database.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { SensorDocument } from '../fleet/sensor-model.js';
import {
  DEFAULT_POLICY,
  loadPolicy,
  type BackupFileDocument,
  type BackupPolicyDocument,
  type BackupRunDocument,
  type BackupScheduleDocument,
  type BackupSensorStateDocument,
  type BackupStore,
  type RunStatus,
  type ScheduleScope,
} from './backup-documents.js';
import type { BackupRestorer, RestoreResult } from './backup-restore.js';
import type { BackupRunner } from './backup-runner.js';
import { dueSlot, effectiveSchedule } from './backup-schedules.js';

export interface RunFilter {
  sensorId?: string | undefined;
  status?: RunStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

export interface ScheduleInput {
  scope: ScheduleScope;
  scopeId: string;
  enabled: boolean;
  time: string;
  targetId: string | null;
}

export interface BackupsServiceDeps {
  context: ConsoleContext;
  store: BackupStore;
  sensors: Model<SensorDocument>;
  runner: BackupRunner;
  restorer: BackupRestorer;
  /** Queues the run job for a run id. */
  enqueue(runId: string): Promise<void>;
  logger: Logger;
}

function isDuplicateKey(error: unknown): boolean {
  return (error as MongoServerError).code === 11000;
}

export class BackupsService {
  constructor(private readonly deps: BackupsServiceDeps) {}

  findSensor(sensorId: string): Promise<SensorDocument | null> {
    return this.deps.sensors.findById(sensorId).lean<SensorDocument>().exec();
  }

  private async targetFor(targetId: string | null): Promise<string> {
    const storage = this.deps.context.services.get('backupStorage');
    if (targetId === null) return storage.defaultTargetId();
    if (!(await storage.describe(targetId))) throw new AppError('not_found', `No backup target with id ${targetId}.`);
    return targetId;
  }

  /** Creates the run of one slot, or returns null when that slot already has one. */
  private async createRun(sensor: SensorDocument, trigger: 'scheduled' | 'manual', slotKey: string | null, targetId: string | null, requestedBy: string | null): Promise<BackupRunDocument | null> {
    const id = randomUUID();
    const run: BackupRunDocument = {
      _id: id,
      sensorId: sensor._id,
      sensorName: sensor.name,
      siteId: sensor.siteId,
      zoneId: sensor.zoneId,
      slotKey: slotKey ?? `manual:${id}`,
      trigger,
      requestedBy,
      targetId: await this.targetFor(targetId),
      status: 'queued',
      failureCode: null,
      failureReason: null,
      fileId: null,
      fileName: null,
      sizeBytes: null,
      sha256: null,
      bytesReceived: 0,
      coreVersion: null,
      queuedAt: new Date(),
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      instanceName: null,
    };
    try {
      await this.deps.store.runs.insertOne(run);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    await this.deps.enqueue(id);
    return run;
  }

  private async scheduleFor(sensor: SensorDocument) {
    const [schedules, policy] = await Promise.all([this.deps.store.schedules.find({}).toArray(), loadPolicy(this.deps.store)]);
    return effectiveSchedule(sensor, schedules, policy);
  }

  /** "Back up now" for one sensor, to the target its schedule names. */
  async backUpSensorNow(sensorId: string, requestedBy: string): Promise<BackupRunDocument> {
    const sensor = await this.findSensor(sensorId);
    if (!sensor || sensor.state === 'revoked') throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    const run = await this.createRun(sensor, 'manual', null, (await this.scheduleFor(sensor)).targetId, requestedBy);
    if (!run) throw new AppError('internal', 'The run could not be created.');
    return run;
  }

  /** "Back up now" for every sensor of a zone. */
  async backUpZoneNow(zoneId: string, requestedBy: string): Promise<BackupRunDocument[]> {
    if (!(await this.deps.context.db.collection<{ _id: string }>('zones').findOne({ _id: zoneId }, { projection: { _id: 1 } }))) {
      throw new AppError('not_found', `No zone with id ${zoneId}.`);
    }
    const sensors = await this.deps.sensors.find({ zoneId, state: { $ne: 'revoked' } }).lean<SensorDocument[]>().exec();
    const runs: BackupRunDocument[] = [];
    for (const sensor of sensors) {
      const run = await this.createRun(sensor, 'manual', null, (await this.scheduleFor(sensor)).targetId, requestedBy);
      if (run) runs.push(run);
    }
    return runs;
  }

  /** The schedule tick: creates the runs of every slot that fell due (idempotent). */
  async createDueRuns(now = new Date()): Promise<number> {
    const [sensors, schedules, policy] = await Promise.all([
      this.deps.sensors.find({ state: { $ne: 'revoked' } }, { _id: 1, name: 1, siteId: 1, zoneId: 1, enrolledAt: 1, versions: 1, state: 1 }).lean<SensorDocument[]>().exec(),
      this.deps.store.schedules.find({}).toArray(),
      loadPolicy(this.deps.store),
    ]);
    const due = sensors.flatMap((sensor) => {
      const schedule = effectiveSchedule(sensor, schedules, policy);
      const slot = dueSlot(now, schedule, sensor._id, sensor.enrolledAt, policy);
      return slot ? [{ sensor, targetId: schedule.targetId, slotKey: `scheduled:${slot.toISOString()}` }] : [];
    });
    // A slot stays due for its 2-hour catch-up window, so most due slots already have their run: find those
    // with one read per IDS_PER_IN_READ sensors (on the unique sensorId + slotKey index), not one per sensor.
    const existing = new Set<string>();
    for (let start = 0; start < due.length; start += IDS_PER_IN_READ) {
      const chunk = due.slice(start, start + IDS_PER_IN_READ);
      const runs = await this.deps.store.runs
        .find({ sensorId: { $in: chunk.map((entry) => entry.sensor._id) }, slotKey: { $in: [...new Set(chunk.map((entry) => entry.slotKey))] } }, { projection: { sensorId: 1, slotKey: 1 } })
        .toArray();
      for (const run of runs) existing.add(`${run.sensorId} ${run.slotKey}`);
    }
    let created = 0;
    for (const { sensor, targetId, slotKey } of due) {
      if (existing.has(`${sensor._id} ${slotKey}`)) continue;
      if (await this.createRun(sensor, 'scheduled', slotKey, targetId, null)) created += 1;
    }
    return created;
  }

  /** Raises 'backup.missing' once per sensor whose last success (or enrolment) is older than the policy's hours. */
  async checkMissing(now = new Date()): Promise<number> {
    const policy = await loadPolicy(this.deps.store);
    const limitMs = policy.missingAfterHours * 3600_000;
    const sensors = await this.deps.sensors.find({ state: { $ne: 'revoked' } }, { _id: 1, name: 1, siteId: 1, zoneId: 1, enrolledAt: 1 }).lean<SensorDocument[]>().exec();
    const states = new Map<string, BackupSensorStateDocument>();
    for (let start = 0; start < sensors.length; start += IDS_PER_IN_READ) {
      const ids = sensors.slice(start, start + IDS_PER_IN_READ).map((sensor) => sensor._id);
      for (const state of await this.deps.store.sensorState.find({ _id: { $in: ids } }).toArray()) states.set(state._id, state);
    }
    let raised = 0;
    for (const sensor of sensors) {
      const state = states.get(sensor._id);
      const since = state?.lastSuccessAt ?? sensor.enrolledAt;
      if (now.getTime() - since.getTime() < limitMs) continue;
      if (state?.missingRaisedAt && state.missingRaisedAt.getTime() >= since.getTime()) continue;
      await this.deps.store.sensorState.updateOne({ _id: sensor._id }, { $set: { missingRaisedAt: now }, $setOnInsert: { lastSuccessAt: null } }, { upsert: true });
      this.deps.context.events.publish('backup.missing', { sensorId: sensor._id, sensorName: sensor.name, siteId: sensor.siteId, zoneId: sensor.zoneId, hours: policy.missingAfterHours, lastSuccessAt: state?.lastSuccessAt ?? null, at: now });
      raised += 1;
    }
    return raised;
  }

  /** At start: runs a dead console process left 'running' end as failed (their partial files are removed). */
  async failAbandonedRuns(): Promise<number> {
    const abandoned = await this.deps.store.runs.find({ status: 'running' }).toArray();
    const storage = this.deps.context.services.get('backupStorage');
    for (const run of abandoned) {
      await this.deps.runner.fail(run, 'network-failure', 'The console stopped while this backup was being transferred; the incomplete file was discarded.');
    }
    for (const targetId of new Set(abandoned.map((run) => run.targetId))) {
      await storage
        .driverFor(targetId)
        .then((driver) => driver.removeStalePartials())
        .catch((error: unknown) => this.deps.logger.warn({ err: error, targetId }, 'could not remove partial backup files'));
    }
    return abandoned.length;
  }

  async listRuns(filter: RunFilter): Promise<{ items: BackupRunDocument[]; total: number }> {
    const query: Filter<BackupRunDocument> = {};
    if (filter.sensorId) query.sensorId = filter.sensorId;
    if (filter.status) query.status = filter.status;
    if (filter.from || filter.to) query.queuedAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
    const [items, total] = await Promise.all([
      this.deps.store.runs.find(query).sort({ queuedAt: -1, _id: 1 }).skip(filter.offset).limit(filter.limit).toArray(),
      this.deps.store.runs.countDocuments(query),
    ]);
    return { items: items.map((run) => this.withProgress(run)), total };
  }

  async getRun(runId: string): Promise<BackupRunDocument> {
    const run = await this.deps.store.runs.findOne({ _id: runId });
    if (!run) throw new AppError('not_found', `No backup run with id ${runId}.`);
    return this.withProgress(run);
  }

  private withProgress(run: BackupRunDocument): BackupRunDocument {
    const live = run.status === 'running' ? this.deps.runner.progress.get(run._id) : undefined;
    return live === undefined ? run : { ...run, bytesReceived: live };
  }

  async listFiles(sensorId: string): Promise<BackupFileDocument[]> {
    return this.deps.store.files.find({ sensorId }).sort({ createdAt: -1 }).toArray();
  }

  async getFile(fileId: string): Promise<BackupFileDocument> {
    const file = await this.deps.store.files.findOne({ _id: fileId });
    if (!file) throw new AppError('not_found', `No backup file with id ${fileId}.`);
    return file;
  }

  restore(fileId: string, sensorId: string): Promise<RestoreResult> {
    return this.deps.restorer.restore(fileId, sensorId);
  }

  listSchedules(): Promise<BackupScheduleDocument[]> {
    return this.deps.store.schedules.find({}).sort({ scope: 1, scopeId: 1 }).toArray();
  }

  async getSchedule(scheduleId: string): Promise<BackupScheduleDocument> {
    const schedule = await this.deps.store.schedules.findOne({ _id: scheduleId });
    if (!schedule) throw new AppError('not_found', `No backup schedule with id ${scheduleId}.`);
    return schedule;
  }

  private async checkScope(scope: ScheduleScope, scopeId: string): Promise<void> {
    const collection = { site: 'sites', zone: 'zones', sensor: 'sensors' }[scope];
    if (!(await this.deps.context.db.collection<{ _id: string }>(collection).findOne({ _id: scopeId }, { projection: { _id: 1 } }))) {
      throw new AppError('validation_failed', `No ${scope} with id ${scopeId}.`, { problems: [{ path: 'scopeId', message: `must be the id of an existing ${scope}` }] });
    }
  }

  async createSchedule(input: ScheduleInput): Promise<BackupScheduleDocument> {
    await this.checkScope(input.scope, input.scopeId);
    if (input.targetId !== null) await this.targetFor(input.targetId);
    const now = new Date();
    const schedule: BackupScheduleDocument = { _id: randomUUID(), ...input, createdAt: now, updatedAt: now };
    try {
      await this.deps.store.schedules.insertOne(schedule);
    } catch (error) {
      if (isDuplicateKey(error)) throw new AppError('conflict', `The ${input.scope} ${input.scopeId} already has a backup schedule; change that one.`);
      throw error;
    }
    return schedule;
  }

  async updateSchedule(scheduleId: string, changes: Partial<Pick<ScheduleInput, 'enabled' | 'time' | 'targetId'>>): Promise<{ before: BackupScheduleDocument; after: BackupScheduleDocument }> {
    const before = await this.getSchedule(scheduleId);
    if (changes.targetId) await this.targetFor(changes.targetId);
    const after = await this.deps.store.schedules.findOneAndUpdate({ _id: scheduleId }, { $set: { ...changes, updatedAt: new Date() } }, { returnDocument: 'after' });
    if (!after) throw new AppError('not_found', `No backup schedule with id ${scheduleId}.`);
    return { before, after };
  }

  async deleteSchedule(scheduleId: string): Promise<BackupScheduleDocument> {
    const schedule = await this.getSchedule(scheduleId);
    await this.deps.store.schedules.deleteOne({ _id: scheduleId });
    return schedule;
  }

  getPolicy(): Promise<BackupPolicyDocument> {
    return loadPolicy(this.deps.store);
  }

  async updatePolicy(changes: Partial<Omit<BackupPolicyDocument, '_id'>>): Promise<{ before: BackupPolicyDocument; after: BackupPolicyDocument }> {
    const before = await loadPolicy(this.deps.store);
    const after: BackupPolicyDocument = { ...DEFAULT_POLICY, ...before, ...changes, _id: 'policy' };
    await this.deps.store.policy.replaceOne({ _id: 'policy' }, after, { upsert: true });
    return { before, after };
  }
}
