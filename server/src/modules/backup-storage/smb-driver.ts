/**
 * A storage target on an SMB share, through Samba's smbclient (never an npm
 * SMB client: see README's dependency section). Uploads stream into
 * `smbclient … -c 'put - "<name>.partial"'`: smbclient reads the file from
 * its stdin, a 1 MiB pipe (upload-pipe.ts) that a worker thread keeps full
 * (upload-stream.ts), so no `cat` process copies every byte once more and
 * pauses of the console's event loop do not leave smbclient idle.
 * `commit()` checks the size with `allinfo`, then `rename … -f`.
 * README (Backups) has the measurements behind this choice. Reads stream
 * `get "<name>" /dev/fd/3` through `cat` (the exit status is checked through a
 * file descriptor so a failed get is not hidden by cat's success).
 */
import { closeSync } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { smbLocation } from './target-document.js';
import { DEFAULT_SMB_TIMEOUT_MS, runSmbclient, smbFailure, startSmbclient, type SmbConnection, type SmbProcess } from './smbclient-process.js';
import { StorageError, type StorageDriver, type StorageSpace, type StorageWrite, type StoredFile } from './storage-driver.js';
import { assertStoredFileName, PARTIAL_SUFFIX } from './stored-file-name.js';
import { openUploadPipe } from './upload-pipe.js';
import { UploadStream } from './upload-stream.js';
import { writesInProgress } from './writes-in-progress.js';

/** smbclient writes the file to fd 3 (cat copies it to stdout); its exit status comes back on stderr's last line. */
const DOWNLOAD_SCRIPT = '{ smbclient "$@" 3>&1 1>&2; echo "smbclient-exit=$?" >&2; } | cat';

/** One `ls` line: name, attributes, size, date ("Wed Dec  2 04:00:00 2026"). */
const LS_LINE = /^ {2}(.+?)\s+([A-Z]*)\s+(\d+)\s+(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})$/;
const DU_LINE = /(\d+) blocks of size (\d+)\. (\d+) blocks available/;
const DATA_STREAM_SIZE = /stream: \[::\$DATA\], (\d+) bytes/;

export function parseListing(output: string): StoredFile[] {
  const files: StoredFile[] = [];
  for (const line of output.split('\n')) {
    const match = LS_LINE.exec(line.replace(/\r$/, ''));
    if (!match || match[2]!.includes('D')) continue;
    const modifiedAt = new Date(match[4]!);
    files.push({ name: match[1]!, sizeBytes: Number(match[3]), modifiedAt: Number.isNaN(modifiedAt.getTime()) ? new Date(0) : modifiedAt });
  }
  return files;
}

export function parseSpace(output: string): StorageSpace | null {
  const match = DU_LINE.exec(output);
  if (!match) return null;
  const blockSize = Number(match[2]);
  return { totalBytes: Number(match[1]) * blockSize, freeBytes: Number(match[3]) * blockSize };
}

export class SmbStorageDriver implements StorageDriver {
  readonly description: string;
  private readonly timeoutMs: number;
  private directoryReady = false;

  constructor(private readonly connection: SmbConnection) {
    this.description = smbLocation(connection);
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_SMB_TIMEOUT_MS;
  }

  async openWrite(name: string): Promise<StorageWrite> {
    assertStoredFileName(name);
    await this.ensureDirectory();
    const partialName = `${name}${PARTIAL_SUFFIX}`;
    const progressKey = `${this.description}/${partialName}`;
    const pipe = await openUploadPipe();
    let upload: SmbProcess;
    try {
      upload = await startSmbclient(this.connection, `put - "${partialName}"`, { stdin: pipe.readFd });
    } catch (error) {
      closeSync(pipe.writeFd);
      throw error;
    } finally {
      closeSync(pipe.readFd);
    }
    writesInProgress.add(progressKey);
    const stream = new UploadStream(upload, pipe.writeFd, this.timeoutMs);
    // The writer's pipeline sees stream errors; commit() reports them as StorageError. No listener would crash the process.
    stream.on('error', () => undefined);
    let settled = false;
    const settle = () => {
      settled = true;
      writesInProgress.delete(progressKey);
    };
    return {
      stream,
      commit: async (expectedSizeBytes: number): Promise<StoredFile> => {
        if (settled) throw new StorageError('io-error', `The write of ${name} was already committed or aborted.`);
        const code = await upload.exited;
        if (stream.stalled) throw new StorageError('unreachable', `Could not write ${partialName}: host unreachable (no progress within ${Math.round(this.timeoutMs / 1000)} s).`);
        if (code !== 0 || /NT_STATUS_[A-Z_]+/.test(upload.output())) throw smbFailure(upload.output(), `write ${partialName}`);
        const info = await runSmbclient(this.connection, `allinfo "${partialName}"`, `check ${partialName}`);
        const size = Number(DATA_STREAM_SIZE.exec(info)?.[1] ?? -1);
        if (size !== expectedSizeBytes) {
          throw new StorageError('io-error', `The stored ${partialName} has ${size} bytes, expected ${expectedSizeBytes}.`);
        }
        await runSmbclient(this.connection, `rename "${partialName}" "${name}" -f`, `rename ${partialName} to ${name}`);
        settle();
        return { name, sizeBytes: size, modifiedAt: new Date() };
      },
      waitedForTargetMs: () => stream.waitedMs,
      abort: async (): Promise<void> => {
        upload.kill();
        stream.destroy();
        await upload.exited;
        if (settled) return;
        settle();
        // Not there (nothing was written) or the share is unreachable: removeStalePartials() cleans up later.
        await this.remove(partialName, true).catch(() => undefined);
      },
    };
  }

  async read(name: string): Promise<Readable> {
    assertStoredFileName(name);
    // A missing file should fail here, not as an empty stream.
    await this.fileSize(name);
    const download = await startSmbclient(this.connection, `get "${name}" /dev/fd/3`, { shell: DOWNLOAD_SCRIPT, captureStdout: false });
    download.child.stdin?.end();
    const output = new PassThrough({ highWaterMark: 1024 * 1024 });
    let lastData = Date.now();
    download.child.stdout!.on('data', () => {
      lastData = Date.now();
    });
    download.child.stdout!.pipe(output, { end: false });
    const watchdog = setInterval(() => {
      // Stalled only when the reader keeps up (nothing waiting in our buffer) yet no bytes arrive.
      if (Date.now() - lastData > this.timeoutMs && output.readableLength === 0) download.kill();
    }, Math.min(5_000, this.timeoutMs / 2));
    output.on('close', () => {
      clearInterval(watchdog);
      download.kill();
    });
    void download.exited.then(() => {
      clearInterval(watchdog);
      const exit = /smbclient-exit=(\d+)/.exec(download.output())?.[1];
      // 'close' comes after stdout ended, so every byte is already in `output`.
      if (exit === '0' && !/NT_STATUS_[A-Z_]+/.test(download.output())) {
        output.end();
      } else {
        output.destroy(exit === undefined ? new StorageError('unreachable', `Could not read ${name}: host unreachable (stalled).`) : smbFailure(download.output(), `read ${name}`));
      }
    });
    return output;
  }

  async remove(name: string, partial = false): Promise<void> {
    if (!partial) assertStoredFileName(name);
    else assertStoredFileName(name.slice(0, -PARTIAL_SUFFIX.length));
    await runSmbclient(this.connection, `del "${name}"`, `remove ${name}`);
  }

  async list(prefix = ''): Promise<StoredFile[]> {
    const output = await runSmbclient(this.connection, 'ls', 'list the folder');
    return parseListing(output).filter((file) => file.name.startsWith(prefix) && !file.name.endsWith(PARTIAL_SUFFIX)).sort((a, b) => a.name.localeCompare(b.name));
  }

  async space(): Promise<StorageSpace | null> {
    return parseSpace(await runSmbclient(this.connection, 'du', 'read the free space'));
  }

  async removeStalePartials(): Promise<number> {
    const output = await runSmbclient(this.connection, 'ls', 'list the folder');
    let removed = 0;
    for (const file of parseListing(output)) {
      if (!file.name.endsWith(PARTIAL_SUFFIX) || writesInProgress.has(`${this.description}/${file.name}`)) continue;
      await this.remove(file.name, true);
      removed += 1;
    }
    return removed;
  }

  /** Creates the target's folder inside the share, part by part, when missing (once per driver). */
  private async ensureDirectory(): Promise<void> {
    if (this.directoryReady || !this.connection.directory) return;
    const atRoot = { ...this.connection, directory: '' };
    const parts = this.connection.directory.split('/');
    for (let depth = 1; depth <= parts.length; depth += 1) {
      const folder = parts.slice(0, depth).join('/');
      try {
        await runSmbclient(atRoot, `mkdir "${folder}"`, `create the folder ${folder}`);
      } catch (error) {
        // NT_STATUS_OBJECT_NAME_COLLISION: it exists already.
        if (!(error instanceof StorageError && /OBJECT_NAME_COLLISION/.test(error.message))) throw error;
      }
    }
    this.directoryReady = true;
  }

  private async fileSize(name: string): Promise<number> {
    const info = await runSmbclient(this.connection, `allinfo "${name}"`, `read ${name}`);
    return Number(DATA_STREAM_SIZE.exec(info)?.[1] ?? -1);
  }
}
