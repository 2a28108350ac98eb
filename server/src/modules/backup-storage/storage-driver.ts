/**
 * The contract between the backups that produce files (sensor backups, the
 * console's own backup) and the places that keep them (a local directory, an
 * SMB share through smbclient). A target's driver never holds a file in
 * memory: writes and reads are streams.
 *
 * Writing is two-phase so that nothing complete-looking exists until the
 * writer has checked size and digest: `openWrite(name)` streams into
 * `<name>.partial`; `commit()` renames it to `name`; `abort()` (or a crash)
 * leaves at most a `.partial`, which `list()` never reports and
 * `removeStalePartials()` cleans.
 */
import type { Readable, Writable } from 'node:stream';

/** Why a storage operation failed, as a code the callers map to run results. */
export type StorageFailureCode =
  | 'unreachable' // host down, connection refused, timeout
  | 'logon-failure'
  | 'share-not-found'
  | 'access-denied'
  | 'not-enough-space'
  | 'not-found' // the file does not exist
  | 'io-error'; // anything else, with the tool's words in the message

export class StorageError extends Error {
  constructor(
    readonly code: StorageFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface StoredFile {
  /** File name inside the target's directory (no path). */
  name: string;
  sizeBytes: number;
  modifiedAt: Date;
}

export interface StorageWrite {
  /** Write the file's bytes here; end it before commit(). Errors surface as StorageError from commit(). */
  stream: Writable;
  /** Waits for the bytes to land, checks the stored size equals `expectedSizeBytes`, then renames `.partial` to the final name. */
  commit(expectedSizeBytes: number): Promise<StoredFile>;
  /** Drops the partial file; safe to call after a failure or twice. */
  abort(): Promise<void>;
  /** How long the stream held bytes the target would not take yet (for the transfer's log line: storage-bound or not). */
  waitedForTargetMs?(): number;
}

export interface StorageSpace {
  freeBytes: number;
  totalBytes: number;
}

export interface StorageDriver {
  /** Human description without secrets, e.g. `smb://files.local/backups/garrison` or `/var/lib/garrison/sensor-backups`. */
  readonly description: string;
  /** `name` is a plain file name (validated by the caller: no `/`, `\`, `..`, NUL). Sub-folders are not used. */
  openWrite(name: string): Promise<StorageWrite>;
  read(name: string): Promise<Readable>;
  remove(name: string): Promise<void>;
  /** Complete files only (never `.partial`), optionally those starting with `prefix`. */
  list(prefix?: string): Promise<StoredFile[]>;
  space(): Promise<StorageSpace | null>;
  removeStalePartials(): Promise<number>;
}

/** What the backups module asks of the backup-storage module (service `backupStorage`). */
export interface BackupStorageService {
  /** The driver of a target; throws AppError not_found for an unknown id. Drivers hold decrypted credentials only while in use. */
  driverFor(targetId: string): Promise<StorageDriver>;
  /** The id of the built-in local target (`$GARRISON_DATA_DIR/sensor-backups`), created at start if missing. */
  defaultTargetId(): Promise<string>;
  /** Names of every target, for run listings. */
  describe(targetId: string): Promise<{ id: string; name: string; kind: 'local' | 'smb' } | null>;
  /** Refuses deleting a target while `check` says it is in use (a sentence, e.g. "schedule \"Nightly\" writes to it"); null means free. */
  registerInUseCheck?(check: TargetInUseCheck): void;
}

/** Whether a target is in use, as a sentence saying by what, or null. */
export type TargetInUseCheck = (targetId: string) => Promise<string | null>;

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    backupStorage: BackupStorageService;
  }
}
