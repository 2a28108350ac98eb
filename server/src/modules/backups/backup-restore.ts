/**
 * Restoring a stored backup onto a sensor: only onto a sensor whose capture
 * core runs the version the backup was made with (the seed documents' rule;
 * refused otherwise, naming both versions), and only while it is linked. The
 * console issues a one-time download token, serves the file on
 * `GET /backup/v1/restore/<token>` on the link port to that sensor alone
 * (streamed from the target), and sends `backup:restore`; the sensor checks
 * size and SHA-256 before its capture core restores it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { BACKUP_RESTORE_PATH_PREFIX, backupRestoredSchema, linkAckSchema } from '../../../../sensor-link/src/protocol/link-protocol.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { SensorDocument } from '../fleet/sensor-model.js';
import type { BackupFileDocument, BackupStore } from './backup-documents.js';

/** How long the sensor has to download and restore. */
export const RESTORE_TIMEOUT_MS = 30 * 60_000;

interface PendingRestore {
  sensorId: string;
  file: BackupFileDocument;
  served: boolean;
}

export interface RestoreResult {
  restoreId: string;
  fileId: string;
  sensorId: string;
  restored: true;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

export class BackupRestorer {
  private readonly pending = new Map<string, PendingRestore>();

  constructor(
    private readonly context: ConsoleContext,
    private readonly store: BackupStore,
    private readonly findSensor: (sensorId: string) => Promise<SensorDocument | null>,
    private readonly logger: Logger,
  ) {}

  /** Restores and resolves once the sensor says it restored; throws an AppError saying why not. */
  async restore(fileId: string, sensorId: string): Promise<RestoreResult> {
    const file = await this.store.files.findOne({ _id: fileId });
    if (!file) throw new AppError('not_found', `No backup file with id ${fileId}.`);
    const sensor = await this.findSensor(sensorId);
    if (!sensor || sensor.state === 'revoked') throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    if (sensor.versions.core !== file.coreVersion) {
      throw new AppError(
        'conflict',
        `Refused: the backup "${file.name}" was made with version ${file.coreVersion}, but sensor "${sensor.name}" runs version ${sensor.versions.core}. A backup restores only onto the same version.`,
        { backupVersion: file.coreVersion, sensorVersion: sensor.versions.core },
      );
    }
    const socket = this.context.services.get('sensorLink').socketOf(sensorId);
    if (!socket) throw new AppError('conflict', `Sensor "${sensor.name}" is not linked to the console; restore once it is.`);
    const token = randomBytes(24).toString('base64url');
    const restoreId = randomUUID();
    this.pending.set(token, { sensorId, file, served: false });
    const cleanups: Array<() => void> = [];
    try {
      // A plain ack callback with our own timers: socket.io's ack timeout would outlive a closed link and hold the process open.
      const answer: unknown = await new Promise((resolve, reject) => {
        const fail = (message: string) => () => reject(new AppError('dependency_unavailable', message));
        const onDisconnect = fail(`The link to sensor "${sensor.name}" dropped during the restore.`);
        const timer = setTimeout(fail(`Sensor "${sensor.name}" did not confirm the restore within ${RESTORE_TIMEOUT_MS / 60_000} minutes.`), RESTORE_TIMEOUT_MS);
        socket.once('disconnect', onDisconnect);
        socket.emit('backup:restore', { restoreId, downloadPath: `${BACKUP_RESTORE_PATH_PREFIX}${token}`, sizeBytes: file.sizeBytes, sha256: file.sha256 }, (reply: unknown) => {
          clearTimeout(timer);
          socket.off('disconnect', onDisconnect);
          resolve(reply);
        });
        cleanups.push(() => {
          clearTimeout(timer);
          socket.off('disconnect', onDisconnect);
        });
      });
      const parsed = linkAckSchema(backupRestoredSchema).safeParse(answer);
      if (!parsed.success) throw new AppError('dependency_unavailable', `Sensor "${sensor.name}" answered the restore with a malformed message.`);
      if ('error' in parsed.data) throw new AppError('dependency_unavailable', `Sensor "${sensor.name}" could not restore the backup: ${parsed.data.error.message}`);
      return { restoreId, fileId, sensorId, restored: true };
    } finally {
      for (const cleanup of cleanups) cleanup();
      this.pending.delete(token);
    }
  }

  /** The SensorRouteHandler body for `/backup/v1/restore/<token>`. */
  handle(req: IncomingMessage, res: ServerResponse, sensor: { sensorId: string }, token: string): void {
    req.resume();
    const entry = this.pending.get(token);
    if (!entry || entry.sensorId !== sensor.sensorId || entry.served) {
      return sendJson(res, 404, { error: { code: 'not_found', message: 'No backup is offered at this path to this sensor.' } });
    }
    if (req.method !== 'GET') return sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Download the backup with GET.' } });
    entry.served = true;
    void this.serve(res, entry.file);
  }

  private async serve(res: ServerResponse, file: BackupFileDocument): Promise<void> {
    try {
      const driver = await this.context.services.get('backupStorage').driverFor(file.targetId);
      const stream = await driver.read(file.name);
      res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': file.sizeBytes, 'cache-control': 'no-store' });
      await pipeline(stream, res);
    } catch (error) {
      this.logger.warn({ err: error, fileName: file.name }, 'could not serve a backup for restore');
      if (!res.headersSent) sendJson(res, 503, { error: { code: 'dependency_unavailable', message: `The backup could not be read from its target: ${(error as Error).message}` } });
      else res.destroy();
    }
  }
}
