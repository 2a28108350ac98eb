/**
 * Runs one queued backup run to its end (called by the 'backup-run' job, at
 * most BACKUP_CONCURRENCY at once per console):
 *   claim it (queued → running, a conditional update, so a job that runs
 *   twice does nothing the second time) → ask the sensor over its live link
 *   (`backup:produce` with an upload token) → wait for the upload's outcome,
 *   the sensor's answer, the link dropping or the run timeout, whichever
 *   decides first → record success (file, size, digest, duration) and apply
 *   retention, or failure (code + sentence) and publish 'backup.failed'.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { backupProducedSchema, linkAckSchema } from '../../../../sensor-link/src/protocol/link-protocol.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import type { Logger } from '../../platform/logger.js';
import type { SensorDocument } from '../fleet/sensor-model.js';
import { loadPolicy, type BackupRunDocument, type BackupStore, type FailureCode } from './backup-documents.js';
import { backupFileName } from './backup-file-name.js';
import { applyRetention } from './backup-retention.js';
import type { UploadOutcome, UploadReceiver } from './upload-receiver.js';

type Decision = { kind: 'upload'; outcome: UploadOutcome } | { kind: 'answer'; answer: unknown } | { kind: 'link-dropped' } | { kind: 'timeout' };

export interface BackupRunnerDeps {
  context: ConsoleContext;
  store: BackupStore;
  receiver: UploadReceiver;
  findSensor(sensorId: string): Promise<SensorDocument | null>;
  logger: Logger;
}

export class BackupRunner {
  /** Bytes received so far per running run (progress between the throttled database writes). */
  readonly progress = new Map<string, number>();
  private readonly active = new Set<Promise<void>>();

  constructor(private readonly deps: BackupRunnerDeps) {}

  /** Waits for runs in progress to record their end (at stop, after the link closed). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.active]);
  }

  async run(runId: string): Promise<void> {
    const claimed = await this.deps.store.runs.findOneAndUpdate(
      { _id: runId, status: 'queued' },
      { $set: { status: 'running', startedAt: new Date(), instanceName: this.deps.context.instanceName } },
      { returnDocument: 'after' },
    );
    if (!claimed) return;
    const work = this.execute(claimed).catch(async (error: unknown) => {
      this.deps.logger.error({ err: error, runId }, 'backup run failed unexpectedly');
      await this.fail(claimed, 'network-failure', `The console could not complete the run: ${(error as Error).message}`);
    });
    this.active.add(work);
    try {
      await work;
    } finally {
      this.active.delete(work);
      this.progress.delete(runId);
    }
  }

  private async execute(run: BackupRunDocument): Promise<void> {
    const { context, store, receiver } = this.deps;
    const sensor = await this.deps.findSensor(run.sensorId);
    if (!sensor || sensor.state === 'revoked') return this.fail(run, 'sensor-offline', 'The sensor no longer exists or was revoked.');
    const socket = context.services.get('sensorLink').socketOf(run.sensorId);
    if (!socket) return this.fail(run, 'sensor-offline', `Sensor "${sensor.name}" is not linked to the console.`);
    const policy = await loadPolicy(store);
    const timeoutMs = policy.runTimeoutMinutes * 60_000;
    const startedAt = run.startedAt ?? new Date();
    const fileName = backupFileName(sensor.name, sensor.versions.core, startedAt);
    let lastWrite = 0;
    const upload = receiver.expect(randomBytes(24).toString('base64url'), {
      runId: run._id,
      sensorId: run.sensorId,
      targetId: run.targetId,
      fileName,
      onProgress: (bytes) => {
        this.progress.set(run._id, bytes);
        if (Date.now() - lastWrite < 2000) return;
        lastWrite = Date.now();
        void store.runs.updateOne({ _id: run._id, status: 'running' }, { $set: { bytesReceived: bytes } }).catch(() => undefined);
      },
    });
    let onDisconnect: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const decisions: Array<Promise<Decision>> = [
        upload.outcome.then((outcome) => ({ kind: 'upload', outcome })),
        // A plain ack callback with our own timer: socket.io's ack timeout timer would outlive a closed link and hold the process open.
        new Promise<Decision>((resolve) => {
          socket.emit('backup:produce', { runId: run._id, uploadPath: upload.uploadPath }, (answer: unknown) => resolve({ kind: 'answer', answer }));
        }),
        new Promise<Decision>((resolve) => {
          onDisconnect = () => resolve({ kind: 'link-dropped' });
          socket.once('disconnect', onDisconnect);
        }),
        new Promise<Decision>((resolve) => {
          timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
        }),
      ];
      let decision = await Promise.race(decisions);
      if (decision.kind === 'timeout') {
        upload.cancel('timeout', `The backup did not finish within ${policy.runTimeoutMinutes} minutes.`);
        if (!upload.started()) return this.fail(run, 'timeout', `The sensor did not answer the backup request within ${policy.runTimeoutMinutes} minutes.`);
      }
      // Once bytes flow, the upload's own outcome decides (the sensor's answer or a dropped link only explain).
      if (decision.kind !== 'upload' && upload.started()) decision = { kind: 'upload', outcome: await upload.outcome };
      if (decision.kind === 'link-dropped') return this.fail(run, 'network-failure', 'The link to the sensor dropped before the upload began.');
      if (decision.kind === 'answer') {
        const answer = linkAckSchema(backupProducedSchema).safeParse(decision.answer);
        if (answer.success && 'error' in answer.data) return this.fail(run, 'sensor-could-not-produce', answer.data.error.message);
        return this.fail(run, 'network-failure', 'The sensor answered the backup request, but no upload reached the console.');
      }
      if (decision.kind !== 'upload') return this.fail(run, 'timeout', `The backup did not finish within ${policy.runTimeoutMinutes} minutes.`);
      const { outcome } = decision;
      if (!outcome.ok) return this.fail(run, outcome.code, outcome.reason);
      await this.succeed(run, sensor, fileName, outcome.sizeBytes, outcome.sha256, startedAt);
    } finally {
      upload.release();
      socket.off('disconnect', onDisconnect);
      if (timer) clearTimeout(timer);
    }
  }

  private async succeed(run: BackupRunDocument, sensor: SensorDocument, fileName: string, sizeBytes: number, sha256: string, startedAt: Date): Promise<void> {
    const { store, context } = this.deps;
    const finishedAt = new Date();
    const fileId = randomUUID();
    await store.files.insertOne({ _id: fileId, sensorId: run.sensorId, sensorName: sensor.name, targetId: run.targetId, name: fileName, sizeBytes, sha256, coreVersion: sensor.versions.core, createdAt: finishedAt, runId: run._id });
    // Only once the new backup is complete, and before the run reads as succeeded; a retention failure does not fail the run.
    await applyRetention({ store, storage: context.services.get('backupStorage'), sensorId: run.sensorId, targetId: run.targetId, logger: this.deps.logger }).catch((error: unknown) =>
      this.deps.logger.error({ err: error, sensorId: run.sensorId }, 'backup retention failed; old backups were kept'),
    );
    await store.runs.updateOne(
      { _id: run._id },
      { $set: { status: 'succeeded', fileId, fileName, sizeBytes, sha256, bytesReceived: sizeBytes, coreVersion: sensor.versions.core, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() } },
    );
    await store.sensorState.updateOne({ _id: run.sensorId }, { $set: { lastSuccessAt: finishedAt, missingRaisedAt: null } }, { upsert: true });
    this.deps.logger.info({ runId: run._id, sensorId: run.sensorId, fileName, sizeBytes }, 'backup stored');
    context.events.publish('backup.succeeded', { sensorId: run.sensorId, sensorName: sensor.name, siteId: sensor.siteId, zoneId: sensor.zoneId, runId: run._id, fileId, fileName, sizeBytes, at: finishedAt });
  }

  async fail(run: BackupRunDocument, code: FailureCode, reason: string): Promise<void> {
    const finishedAt = new Date();
    const startedAt = run.startedAt ?? run.queuedAt;
    const updated = await this.deps.store.runs.updateOne(
      { _id: run._id, status: { $in: ['queued', 'running'] } },
      { $set: { status: 'failed', failureCode: code, failureReason: reason.slice(0, 1000), finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), bytesReceived: this.progress.get(run._id) ?? run.bytesReceived } },
    );
    if (updated.modifiedCount === 0) return;
    this.deps.logger.warn({ runId: run._id, sensorId: run.sensorId, code, reason }, 'backup failed');
    this.deps.context.events.publish('backup.failed', { sensorId: run.sensorId, sensorName: run.sensorName, siteId: run.siteId, zoneId: run.zoneId, runId: run._id, code, reason, targetId: run.targetId, at: finishedAt });
  }
}
