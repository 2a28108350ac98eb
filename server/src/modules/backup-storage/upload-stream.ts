/**
 * The writer's end of an SMB upload. Bytes are copied into 1 MiB blocks, which
 * are transferred (not copied again) to a worker thread that writes them into
 * smbclient's stdin pipe with blocking write()s and hands them back for reuse. smbclient's `put` reads its
 * source synchronously, one SMB write at a time, and sends nothing
 * meanwhile; fed from the console's main thread, every pause of its event
 * loop (garbage collection, TLS, hashing) left the pipe empty and smbclient
 * idle. The worker keeps writing through those pauses from what it holds.
 *
 * Memory per upload is bounded whatever the file's size: at most
 * QUEUED_BYTES handed over and not yet written, plus the block being filled.
 * Past that, write callbacks wait, so backpressure reaches the sensor's
 * upload. A stall (bytes waiting, none written for the time limit, or no exit
 * after the end) kills the call so commit() reports "unreachable" instead of
 * hanging.
 */
import { closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { smbFailure, type SmbProcess } from './smbclient-process.js';

const BLOCK_BYTES = 1024 * 1024;
/** Handed to the worker and not yet in the pipe: with the pipe's 1 MiB, a whole SMB3 write (8 MiB) is ready when smbclient asks. */
const QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * The worker, as JavaScript source: evaluated, so that it runs the same from
 * the TypeScript sources (tsx, whose loader workers do not inherit) and from
 * the compiled dist/. It only writes to the pipe; this thread closes the pipe
 * once the worker has exited (that is smbclient's end of file). Messages in:
 * an ArrayBuffer to write, 'end', 'abort'. Out: { written } (the same
 * ArrayBuffer, handed back), { ended }, { failed, code, message }.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
let open = true;
const finish = (message) => {
  open = false;
  if (message) parentPort.postMessage(message);
  parentPort.close();
};
parentPort.on('message', (message) => {
  if (!open) return;
  if (message === 'end') return finish({ ended: true });
  if (message === 'abort') return finish(null);
  const bytes = new Uint8Array(message);
  try {
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(workerData.fd, bytes, offset, bytes.length - offset);
    parentPort.postMessage({ written: message }, [message]);
  } catch (error) {
    finish({ failed: true, code: error.code, message: error.message });
  }
});
`;

type WorkerReport = { written: ArrayBuffer } | { ended: true } | { failed: true; code?: string; message: string };

export class UploadStream extends Writable {
  stalled = false;
  /** Total time a write waited for smbclient to take bytes. */
  waitedMs = 0;
  private readonly worker: Worker;
  /** The worker ended (every byte in the pipe) or a failure was reported. */
  private settled = false;
  private block: Uint8Array<ArrayBuffer> | null = null;
  /** Blocks the worker has written and handed back: reused, so an upload allocates QUEUED_BYTES once, not its size. */
  private readonly spareBlocks: Array<Uint8Array<ArrayBuffer>> = [];
  private blockFill = 0;
  private queuedBytes = 0;
  /** A write callback (or the end's) waiting for the worker; since when; when bytes last moved. */
  private pending: ((error?: Error | null) => void) | null = null;
  private ending: ((error?: Error | null) => void) | null = null;
  private waitingSince: number | null = null;
  private lastProgress = Date.now();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    private readonly upload: SmbProcess,
    writeFd: number,
    timeoutMs: number,
  ) {
    super({ highWaterMark: BLOCK_BYTES });
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd: writeFd }, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
    // A worker alone must not keep the process alive (shutdown, a test's end).
    this.worker.unref();
    this.worker.on('message', (report: WorkerReport) => this.onReport(report));
    this.worker.on('error', (error) => this.fail(error));
    // Its messages are all delivered before 'exit'. Ending without 'ended' or 'failed': smbclient quit first.
    this.worker.on('exit', () => {
      closeSync(writeFd);
      if (!this.settled) this.fail(smbFailure(upload.output(), 'write the file'));
    });
    void upload.exited.then(() => {
      clearInterval(this.watchdog);
      this.worker.postMessage('abort');
    });
    this.watchdog = setInterval(() => {
      if (this.waitingSince !== null && Date.now() - Math.max(this.waitingSince, this.lastProgress) > timeoutMs) {
        this.stalled = true;
        upload.kill();
      }
    }, Math.min(5_000, timeoutMs / 2));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (let offset = 0; offset < chunk.length; ) {
      this.block ??= this.spareBlocks.pop() ?? new Uint8Array(BLOCK_BYTES);
      const taken = Math.min(chunk.length - offset, BLOCK_BYTES - this.blockFill);
      this.block.set(chunk.subarray(offset, offset + taken), this.blockFill);
      this.blockFill += taken;
      offset += taken;
      if (this.blockFill === BLOCK_BYTES) this.handOver();
    }
    if (this.queuedBytes < QUEUED_BYTES) {
      callback();
      return;
    }
    this.waitingSince = Date.now();
    this.pending = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handOver();
    this.worker.postMessage('end');
    // After the end, the worker must empty its queue and smbclient finish within the limit too.
    this.waitingSince = Date.now();
    this.ending = callback;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearInterval(this.watchdog);
    this.worker.postMessage('abort');
    callback(error);
  }

  /** Transfers the block being filled (its bytes only) to the worker. */
  private handOver(): void {
    if (!this.block || this.blockFill === 0) return;
    const buffer = this.blockFill === BLOCK_BYTES ? this.block.buffer : this.block.buffer.slice(0, this.blockFill);
    this.worker.postMessage(buffer, [buffer]);
    this.queuedBytes += this.blockFill;
    this.block = null;
    this.blockFill = 0;
  }

  private onReport(report: WorkerReport): void {
    if ('written' in report) {
      this.queuedBytes -= report.written.byteLength;
      if (report.written.byteLength === BLOCK_BYTES) this.spareBlocks.push(new Uint8Array(report.written));
      this.lastProgress = Date.now();
      if (this.pending && this.queuedBytes < QUEUED_BYTES) {
        if (this.waitingSince !== null) this.waitedMs += Date.now() - this.waitingSince;
        this.waitingSince = null;
        const callback = this.pending;
        this.pending = null;
        callback();
      }
    } else if ('ended' in report) {
      this.settled = true;
      const callback = this.ending;
      this.ending = null;
      // waitingSince stays set: smbclient must still exit within the limit (commit() waits for that).
      callback?.();
    } else {
      this.settled = true;
      // A broken pipe means smbclient gave up (e.g. the server is unreachable): report what it said, not EPIPE.
      const error = Object.assign(new Error(report.message), { code: report.code });
      const said = new Promise<Error>((resolve) => void this.upload.exited.then(() => resolve(smbFailure(this.upload.output(), 'write the file'))));
      const giveUp = new Promise<Error>((resolve) => setTimeout(() => resolve(error), 5_000).unref());
      void Promise.race([said, giveUp]).then((reason) => this.fail(reason));
    }
  }

  private fail(error: Error): void {
    this.settled = true;
    const callback = this.pending ?? this.ending;
    this.pending = null;
    this.ending = null;
    if (callback) callback(error);
    else this.destroy(error);
  }
}
