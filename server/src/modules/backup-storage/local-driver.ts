/**
 * A storage target in a local directory (the built-in one is
 * `$GARRISON_DATA_DIR/sensor-backups`). The directory is 0700 and every file
 * 0600: backups hold sensor configuration. A write streams into
 * `<name>.partial` through one file handle, fsyncs it on end, and `commit()`
 * checks the size before the rename that makes the file visible.
 */
import { constants as fsConstants } from 'node:fs';
import { chmod, mkdir, open, readdir, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StorageError, type StorageDriver, type StorageFailureCode, type StorageSpace, type StorageWrite, type StoredFile } from './storage-driver.js';
import { assertStoredFileName, PARTIAL_SUFFIX } from './stored-file-name.js';
import { writesInProgress } from './writes-in-progress.js';

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

function codeOf(error: NodeJS.ErrnoException): StorageFailureCode {
  switch (error.code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return 'not-enough-space';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'access-denied';
    case 'ENOENT':
      return 'not-found';
    default:
      return 'io-error';
  }
}

/** A file-system error as a StorageError whose message says what was being done. */
export function localStorageError(error: unknown, doing: string): StorageError {
  if (error instanceof StorageError) return error;
  const errno = error as NodeJS.ErrnoException;
  const code = codeOf(errno);
  const words: Record<StorageFailureCode, string> = {
    'not-enough-space': 'the disk is full',
    'access-denied': 'access is denied',
    'not-found': 'the file or directory does not exist',
    unreachable: 'the directory cannot be reached',
    'logon-failure': 'the logon failed',
    'share-not-found': 'the share does not exist',
    'io-error': errno.message ?? String(error),
  };
  return new StorageError(code, `Could not ${doing}: ${words[code]}.`);
}

/** A Writable over one file handle: errors (ENOSPC) surface on the stream, `final` fsyncs and closes. */
class SyncedFileStream extends Writable {
  constructor(private readonly handle: FileHandle) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(() => callback(), callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.writeAll(Buffer.concat(chunks.map((entry) => entry.chunk))).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handle.sync().then(() => this.handle.close()).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handle.close().then(() => callback(error), () => callback(error));
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
  }
}

export class LocalStorageDriver implements StorageDriver {
  readonly description: string;

  constructor(private readonly directory: string) {
    this.description = directory;
  }

  /**
   * Creates the directory (0700) when missing; fails with a StorageError saying why.
   * `restrictExisting` also sets 0700 on a directory that exists: only for the
   * built-in one, which the console owns (an admin's directory such as /srv
   * keeps its permissions).
   */
  async prepare(options: { restrictExisting?: boolean } = {}): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true, mode: DIRECTORY_MODE });
      if (options.restrictExisting) await chmod(this.directory, DIRECTORY_MODE);
    } catch (error) {
      throw localStorageError(error, `create the directory ${this.directory}`);
    }
  }

  async openWrite(name: string): Promise<StorageWrite> {
    assertStoredFileName(name);
    const finalPath = path.join(this.directory, name);
    const partialPath = `${finalPath}${PARTIAL_SUFFIX}`;
    let handle: FileHandle;
    try {
      handle = await open(partialPath, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC, FILE_MODE);
    } catch (error) {
      throw localStorageError(error, `create ${partialPath}`);
    }
    writesInProgress.add(partialPath);
    const stream = new SyncedFileStream(handle);
    // The writer sees errors through its pipeline; commit() reports them again as StorageError.
    let streamError: unknown = null;
    stream.on('error', (error) => {
      streamError = error;
    });
    let settled = false;
    const settle = () => {
      settled = true;
      writesInProgress.delete(partialPath);
    };
    return {
      stream,
      commit: async (expectedSizeBytes: number): Promise<StoredFile> => {
        if (settled) throw new StorageError('io-error', `The write of ${name} was already committed or aborted.`);
        try {
          await finished(stream);
        } catch (error) {
          throw localStorageError(streamError ?? error, `write ${partialPath}`);
        }
        try {
          const written = await stat(partialPath);
          if (written.size !== expectedSizeBytes) {
            throw new StorageError('io-error', `The stored ${name}${PARTIAL_SUFFIX} has ${written.size} bytes, expected ${expectedSizeBytes}.`);
          }
          await rename(partialPath, finalPath);
          settle();
          return { name, sizeBytes: written.size, modifiedAt: written.mtime };
        } catch (error) {
          throw localStorageError(error, `store ${finalPath}`);
        }
      },
      abort: async (): Promise<void> => {
        if (!stream.destroyed && !stream.writableFinished) stream.destroy();
        await finished(stream).catch(() => undefined);
        settle();
        await rm(partialPath, { force: true });
      },
    };
  }

  async read(name: string): Promise<Readable> {
    assertStoredFileName(name);
    const filePath = path.join(this.directory, name);
    try {
      const handle = await open(filePath, 'r');
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    } catch (error) {
      throw localStorageError(error, `read ${filePath}`);
    }
  }

  async remove(name: string): Promise<void> {
    assertStoredFileName(name);
    const filePath = path.join(this.directory, name);
    try {
      await rm(filePath);
    } catch (error) {
      throw localStorageError(error, `remove ${filePath}`);
    }
  }

  async list(prefix = ''): Promise<StoredFile[]> {
    try {
      const entries = await readdir(this.directory, { withFileTypes: true });
      const names = entries.filter((entry) => entry.isFile() && entry.name.startsWith(prefix) && !entry.name.endsWith(PARTIAL_SUFFIX)).map((entry) => entry.name);
      const files: StoredFile[] = [];
      for (const name of names) {
        // A file removed between readdir and stat is simply no longer listed.
        const info = await stat(path.join(this.directory, name)).catch(() => null);
        if (info) files.push({ name, sizeBytes: info.size, modifiedAt: info.mtime });
      }
      return files.sort((a, b) => a.name.localeCompare(b.name));
    } catch (error) {
      throw localStorageError(error, `list ${this.directory}`);
    }
  }

  async space(): Promise<StorageSpace | null> {
    try {
      const info = await statfs(this.directory);
      return { freeBytes: info.bavail * info.bsize, totalBytes: info.blocks * info.bsize };
    } catch (error) {
      throw localStorageError(error, `read the free space of ${this.directory}`);
    }
  }

  async removeStalePartials(): Promise<number> {
    let removed = 0;
    try {
      for (const entry of await readdir(this.directory, { withFileTypes: true })) {
        const partialPath = path.join(this.directory, entry.name);
        if (!entry.isFile() || !entry.name.endsWith(PARTIAL_SUFFIX) || writesInProgress.has(partialPath)) continue;
        await rm(partialPath, { force: true });
        removed += 1;
      }
    } catch (error) {
      throw localStorageError(error, `clean ${this.directory}`);
    }
    return removed;
  }
}
