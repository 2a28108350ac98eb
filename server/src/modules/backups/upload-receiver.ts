/**
 * The link-port side of a backup run: `PUT /backup/v1/upload/<token>` from
 * the sensor the token was issued to. The body streams to the target's driver
 * (`openWrite` → `<name>.partial`), hashed and counted on the way, never held
 * in memory; only when the byte count and SHA-256 equal what the sensor
 * announced is the write committed (renamed to its final name). A dropped
 * connection, a stall, a wrong digest or a storage error aborts the write, so
 * nothing complete-looking is left, and the outcome names the reason.
 *
 * Node's https server ends a request after `requestTimeout` (300 s by
 * default) however healthy it is; a long backup over a slow link needs the
 * link listener to set it to 0 (this handler has its own stall timeout).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BACKUP_DIGEST_HEADER, BACKUP_SIZE_HEADER, BACKUP_UPLOAD_PATH_PREFIX } from '../../../../sensor-link/src/protocol/link-protocol.js';
import type { Logger } from '../../platform/logger.js';
import { StorageError, type BackupStorageService, type StorageWrite } from '../backup-storage/storage-driver.js';
import type { FailureCode } from './backup-documents.js';

export type UploadOutcome =
  | { ok: true; sizeBytes: number; sha256: string }
  | { ok: false; code: FailureCode; reason: string };

export interface ExpectedUpload {
  runId: string;
  sensorId: string;
  targetId: string;
  fileName: string;
  /** Bytes received so far (for the run's progress). */
  onProgress(bytes: number): void;
}

interface PendingUpload extends ExpectedUpload {
  started: boolean;
  forced: { code: FailureCode; reason: string } | null;
  request: IncomingMessage | null;
  settle(outcome: UploadOutcome): void;
  outcome: Promise<UploadOutcome>;
}

export interface UploadHandle {
  uploadPath: string;
  /** Settles once an upload ended (committed or aborted); never rejects. */
  outcome: Promise<UploadOutcome>;
  started(): boolean;
  /** Ends an upload in progress (or refuses a later one) with this failure. */
  cancel(code: FailureCode, reason: string): void;
  /** Forgets the token. */
  release(): void;
}

const STALL_TIMEOUT_MS = 60_000;

/** A storage failure as a run failure code. */
export /** Errors a dropped or aborted request hands to the streams downstream of it. */
function isRequestSideError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error | null)?.message === 'aborted';
}

function failureOfStorage(error: unknown): { code: FailureCode; reason: string } {
  if (error instanceof StorageError) {
    return { code: error.code === 'not-enough-space' ? 'not-enough-space' : 'storage-unreachable', reason: error.message };
  }
  const errno = (error as NodeJS.ErrnoException).code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return { code: 'not-enough-space', reason: 'The backup target is full.' };
  // The pipe into smbclient closed: it gave up on the server before taking the data.
  if (errno === 'EPIPE') return { code: 'storage-unreachable', reason: 'The backup target stopped taking the data mid-transfer: its server closed the connection or could not be reached.' };
  return { code: 'storage-unreachable', reason: `The backup target failed: ${(error as Error).message}` };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', connection: 'close' });
  res.end(text);
}

export class UploadReceiver {
  private readonly pending = new Map<string, PendingUpload>();

  constructor(
    private readonly storage: () => BackupStorageService,
    private readonly logger: Logger,
  ) {}

  /** Issues an upload token for one run. */
  expect(token: string, expected: ExpectedUpload): UploadHandle {
    let settle: (outcome: UploadOutcome) => void = () => undefined;
    const outcome = new Promise<UploadOutcome>((resolve) => {
      settle = resolve;
    });
    const entry: PendingUpload = { ...expected, started: false, forced: null, request: null, settle, outcome };
    this.pending.set(token, entry);
    return {
      uploadPath: `${BACKUP_UPLOAD_PATH_PREFIX}${token}`,
      outcome,
      started: () => entry.started,
      cancel: (code, reason) => {
        entry.forced = { code, reason };
        entry.request?.destroy(new Error(reason));
      },
      release: () => this.pending.delete(token),
    };
  }

  uploadsInProgress(): number {
    return [...this.pending.values()].filter((entry) => entry.started).length;
  }

  /** The SensorRouteHandler body for `/backup/v1/upload/<token>`. */
  handle(req: IncomingMessage, res: ServerResponse, sensor: { sensorId: string }, token: string): void {
    const entry = this.pending.get(token);
    if (!entry || entry.sensorId !== sensor.sensorId) {
      req.resume();
      return sendJson(res, 404, { error: { code: 'not_found', message: 'No backup upload is expected at this path from this sensor.' } });
    }
    if (req.method !== 'PUT') {
      req.resume();
      return sendJson(res, 405, { error: { code: 'method_not_allowed', message: 'Upload the backup with PUT.' } });
    }
    if (entry.started || entry.forced) {
      req.resume();
      return sendJson(res, 409, { error: { code: 'conflict', message: 'This backup upload already started or was cancelled.' } });
    }
    entry.started = true;
    entry.request = req;
    this.receive(req, res, entry).then(
      (outcome) => entry.settle(outcome),
      (error: unknown) => {
        this.logger.error({ err: error, runId: entry.runId }, 'backup upload handler failed');
        entry.settle({ ok: false, code: 'network-failure', reason: `The upload failed: ${(error as Error).message}` });
      },
    );
  }

  private async receive(req: IncomingMessage, res: ServerResponse, entry: PendingUpload): Promise<UploadOutcome> {
    const fail = (status: number, code: FailureCode, reason: string): UploadOutcome => {
      const failure = entry.forced ?? { code, reason };
      sendJson(res, status, { error: { code: failure.code, message: failure.reason } });
      if (!req.complete) req.destroy();
      return { ok: false, ...failure };
    };
    const announcedSize = Number(req.headers[BACKUP_SIZE_HEADER]);
    const announcedDigest = String(req.headers[BACKUP_DIGEST_HEADER] ?? '');
    if (!Number.isSafeInteger(announcedSize) || announcedSize < 0 || Number(req.headers['content-length']) !== announcedSize || !/^[0-9a-f]{64}$/.test(announcedDigest)) {
      return fail(400, 'sensor-could-not-produce', `The sensor's upload did not announce a valid size and SHA-256 (headers ${BACKUP_SIZE_HEADER}, ${BACKUP_DIGEST_HEADER} and content-length).`);
    }
    req.socket.setTimeout(STALL_TIMEOUT_MS, () => {
      entry.forced ??= { code: 'network-failure', reason: `The upload stalled: no data for ${STALL_TIMEOUT_MS / 1000} s.` };
      req.destroy();
    });

    let write: StorageWrite;
    try {
      const driver = await this.storage().driverFor(entry.targetId);
      const space = await driver.space().catch(() => null);
      if (space && space.freeBytes < announcedSize) {
        return fail(507, 'not-enough-space', `The backup target has ${space.freeBytes} bytes free; the backup needs ${announcedSize}.`);
      }
      write = await driver.openWrite(entry.fileName);
    } catch (error) {
      const failure = failureOfStorage(error);
      return fail(503, failure.code, failure.reason);
    }

    const receiveStarted = performance.now();
    const hash = createHash('sha256');
    let received = 0;
    let lastReport = 0;
    const meter = new Transform({
      // TLS hands over 16 KiB records; a 1 MiB buffer lets them pile up while smbclient is busy, so the
      // storage stream writes them in one batch (a bounded 1 MiB per backup, whatever the file's size).
      highWaterMark: 1024 * 1024,
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        received += chunk.length;
        if (received - lastReport >= 1024 * 1024 || received === announcedSize) {
          lastReport = received;
          entry.onProgress(received);
        }
        callback(null, chunk);
      },
    });
    // Whichever side failed first: pipeline() then destroys the other side with the same error, so a
    // target that goes down would otherwise read as the sensor's connection dropping, and the reverse.
    let storageFailedFirst: unknown = null;
    let requestFailed = false;
    const onRequestFailed = () => {
      requestFailed = true;
    };
    req.once('aborted', onRequestFailed).once('error', onRequestFailed);
    write.stream.once('error', (error) => {
      // The request's own failure reaches the target stream too (pipeline destroys it with that error),
      // sometimes before the request reports it: those errors are the sensor's side, not the storage's.
      if (!requestFailed && !isRequestSideError(error)) storageFailedFirst = error;
    });
    try {
      await pipeline(req, meter, write.stream);
    } catch (error) {
      await write.abort().catch(() => undefined);
      if (entry.forced) return fail(500, entry.forced.code, entry.forced.reason);
      if (storageFailedFirst) {
        const failure = failureOfStorage(storageFailedFirst);
        return fail(503, failure.code, failure.reason);
      }
      if (!req.complete) return fail(400, 'network-failure', `The connection dropped after ${received} of ${announcedSize} bytes.`);
      const failure = failureOfStorage(error);
      return fail(503, failure.code, failure.reason);
    }
    entry.onProgress(received);
    if (entry.forced) {
      await write.abort().catch(() => undefined);
      return fail(500, entry.forced.code, entry.forced.reason);
    }
    if (received !== announcedSize) {
      await write.abort().catch(() => undefined);
      return fail(400, 'network-failure', `The upload ended after ${received} of ${announcedSize} bytes.`);
    }
    const sha256 = hash.digest('hex');
    if (sha256 !== announcedDigest) {
      await write.abort().catch(() => undefined);
      return fail(422, 'digest-mismatch', `The received backup's SHA-256 is ${sha256}, but the sensor announced ${announcedDigest}; the file was discarded.`);
    }
    const commitStarted = performance.now();
    try {
      await write.commit(announcedSize);
    } catch (error) {
      await write.abort().catch(() => undefined);
      const failure = failureOfStorage(error);
      return fail(503, failure.code, failure.reason);
    }
    const receiveMs = Math.round(commitStarted - receiveStarted);
    // receiveMs against waitedForTargetMs tells whether a slow backup was paced by the target or by the sensor's side.
    this.logger.info(
      { runId: entry.runId, sizeBytes: received, receiveMs, waitedForTargetMs: write.waitedForTargetMs?.() ?? null, commitMs: Math.round(performance.now() - commitStarted) },
      'backup upload stored',
    );
    sendJson(res, 201, { data: { sizeBytes: received, sha256 } });
    return { ok: true, sizeBytes: received, sha256 };
  }
}
