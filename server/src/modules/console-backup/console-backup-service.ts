/**
 * The console's own backup: create one on a backup target (the built-in local
 * one by default), list them, restore one onto this console (same version
 * only). One backup or restore at a time per console process.
 *
 * After a restore the running modules still hold what they loaded at start
 * (the CA, caches, sessions in memory), so the console says it must be
 * restarted; nothing restarts by itself.
 */
import type { Db } from 'mongodb';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { BackupStorage } from '../backup-storage/backup-storage-service.js';
import { StorageError, type StoredFile } from '../backup-storage/storage-driver.js';
import { consoleBackupName, CONSOLE_BACKUP_PREFIX, parseConsoleBackupName } from './console-backup-name.js';
import { KEPT_ON_RESTORE, restoreConsoleArchive, verifyConsoleArchive } from './console-backup-restore.js';
import { writeConsoleArchive } from './console-backup-writer.js';

export interface ConsoleBackupView {
  name: string;
  targetId: string;
  consoleVersion: string;
  createdAt: string;
  sizeBytes: number;
}

export interface CreatedConsoleBackup extends ConsoleBackupView {
  sha256: string;
  collections: Array<{ name: string; documents: number }>;
  files: number;
  durationMs: number;
}

export interface RestoredConsoleBackup {
  name: string;
  consoleVersion: string;
  collections: Record<string, number>;
  /** In the archive but kept as they are (KEPT_ON_RESTORE). */
  keptCollections: string[];
  files: number;
  restartRequired: true;
  message: string;
}

export const RESTART_MESSAGE = 'Restore complete. Restart the console now (systemctl restart garrison, or restart its container): the running console still holds the state it loaded at start.';

export class ConsoleBackupService {
  private busy: string | null = null;

  constructor(
    private readonly options: {
      db: Db;
      dataDir: string;
      version: string;
      storage: () => BackupStorage;
      logger: Logger;
    },
  ) {}

  async create(targetId?: string): Promise<CreatedConsoleBackup> {
    return this.exclusive('a backup', async () => {
      const storage = this.options.storage();
      const target = targetId ?? (await storage.defaultTargetId());
      const driver = await storage.driverFor(target);
      const started = Date.now();
      const createdAt = new Date(Math.floor(started / 1000) * 1000);
      const name = consoleBackupName(this.options.version, createdAt);
      const write = await this.storageStep(() => driver.openWrite(name));
      let stored: StoredFile;
      let written;
      try {
        written = await writeConsoleArchive({ db: this.options.db, dataDir: this.options.dataDir, version: this.options.version, createdAt, sink: write.stream });
        stored = await this.storageStep(() => write.commit(written!.sizeBytes));
      } catch (error) {
        await write.abort();
        throw error instanceof StorageError ? this.storageFailure(error) : error;
      }
      this.options.logger.info({ name, target, sizeBytes: stored.sizeBytes }, 'console backup written');
      return {
        name,
        targetId: target,
        consoleVersion: this.options.version,
        createdAt: createdAt.toISOString(),
        sizeBytes: stored.sizeBytes,
        sha256: written.sha256,
        collections: written.manifest.collections.map((collection) => ({ name: collection.name, documents: collection.documents })),
        files: written.manifest.files.length,
        durationMs: Date.now() - started,
      };
    });
  }

  async list(targetId?: string): Promise<ConsoleBackupView[]> {
    const storage = this.options.storage();
    const target = targetId ?? (await storage.defaultTargetId());
    const driver = await storage.driverFor(target);
    const files = await this.storageStep(() => driver.list(CONSOLE_BACKUP_PREFIX));
    return files
      .flatMap((file) => {
        const parsed = parseConsoleBackupName(file.name);
        return parsed ? [{ name: file.name, targetId: target, consoleVersion: parsed.version, createdAt: parsed.createdAt.toISOString(), sizeBytes: file.sizeBytes }] : [];
      })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async restore(name: string, targetId?: string): Promise<RestoredConsoleBackup> {
    const parsed = parseConsoleBackupName(name);
    if (!parsed) {
      throw new AppError('validation_failed', `"${name.slice(0, 80)}" is not a console backup's name.`, { problems: [{ path: 'name', message: 'must be garrison-backup-version-<version>-<yyyy-MM-dd_HH-mm-ss>.tar' }] });
    }
    if (parsed.version !== this.options.version) {
      throw new AppError('conflict', `This backup was made by console version ${parsed.version}; this console is version ${this.options.version}. A backup restores only onto the same version.`);
    }
    return this.exclusive('a restore', async () => {
      const storage = this.options.storage();
      const driver = await storage.driverFor(targetId ?? (await storage.defaultTargetId()));
      const manifest = await verifyConsoleArchive(await this.storageStep(() => driver.read(name)), this.options.version);
      this.options.logger.warn({ name }, 'restoring the console backup: replacing every collection and the PKI files');
      const collections = await restoreConsoleArchive(await this.storageStep(() => driver.read(name)), { db: this.options.db, dataDir: this.options.dataDir, manifest });
      const keptCollections = manifest.collections.map((collection) => collection.name).filter((collection) => KEPT_ON_RESTORE.has(collection));
      return { name, consoleVersion: manifest.consoleVersion, collections, keptCollections, files: manifest.files.length, restartRequired: true, message: RESTART_MESSAGE };
    });
  }

  private async exclusive<Result>(what: string, work: () => Promise<Result>): Promise<Result> {
    if (this.busy) throw new AppError('conflict', `The console is already making ${this.busy}; try again when it has finished.`);
    this.busy = what;
    try {
      return await work();
    } finally {
      this.busy = null;
    }
  }

  private async storageStep<Result>(step: () => Promise<Result>): Promise<Result> {
    try {
      return await step();
    } catch (error) {
      throw error instanceof StorageError ? this.storageFailure(error) : error;
    }
  }

  private storageFailure(error: StorageError): AppError {
    if (error.code === 'not-found') return new AppError('not_found', error.message, { reason: error.code });
    return new AppError('dependency_unavailable', error.message, { reason: error.code });
  }
}
