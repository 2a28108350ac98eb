/**
 * Backup targets (`backupTargets`): the built-in local directory and any number
 * of local directories and SMB shares, and a driver for each. Implements the
 * `backupStorage` contract (storage-driver.ts) plus the CRUD, "test
 * connection" and usage behind /api/v1/backup-targets.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Collection } from 'mongodb';
import { isDuplicateKeyError } from '../../platform/database/database.js';
import { AppError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { MASKED, type SecretBox } from '../../platform/secrets/secret-box.js';
import { LocalStorageDriver } from './local-driver.js';
import { SmbStorageDriver } from './smb-driver.js';
import { StorageError, type BackupStorageService, type StorageDriver, type TargetInUseCheck } from './storage-driver.js';
import { presentTarget, SMB_PASSWORD_CONTEXT, type SmbTargetSettings, type TargetDocument, type TargetView } from './target-document.js';
import type { CreateTargetBody, UpdateTargetBody } from './target-schema.js';

export const BUILT_IN_TARGET_NAME = 'Console data directory';
const PROBE_BYTES = 64 * 1024;

export type ConnectionTestResult =
  | { ok: true; location: string; freeBytes: number | null; totalBytes: number | null; durationMs: number }
  | { ok: false; location: string; code: StorageError['code']; message: string; durationMs: number };

export interface TargetUsage {
  files: number;
  bytes: number;
  freeBytes: number | null;
  totalBytes: number | null;
}

export interface BackupStorageOptions {
  collection: Collection<TargetDocument>;
  secretBox: SecretBox;
  /** `$GARRISON_DATA_DIR/sensor-backups`. */
  builtInDirectory: string;
  logger: Logger;
  /** smbclient's per-call time limit; tests shorten it. */
  smbTimeoutMs?: number;
}

export class BackupStorage implements BackupStorageService {
  private readonly inUseChecks: TargetInUseCheck[] = [];
  private builtInId: string | null = null;

  constructor(private readonly options: BackupStorageOptions) {}

  get builtInDirectory(): string {
    return this.options.builtInDirectory;
  }

  async start(): Promise<void> {
    await this.options.collection.createIndex({ nameKey: 1 }, { unique: true });
    await new LocalStorageDriver(this.options.builtInDirectory).prepare({ restrictExisting: true });
    await this.defaultTargetId();
  }

  registerInUseCheck(check: TargetInUseCheck): void {
    this.inUseChecks.push(check);
  }

  async defaultTargetId(): Promise<string> {
    if (this.builtInId) return this.builtInId;
    const existing = await this.options.collection.findOne({ builtIn: true });
    if (existing) return (this.builtInId = existing._id);
    const now = new Date();
    const target: TargetDocument = {
      _id: randomUUID(),
      name: BUILT_IN_TARGET_NAME,
      nameKey: BUILT_IN_TARGET_NAME.toLowerCase(),
      kind: 'local',
      builtIn: true,
      directory: null,
      smb: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.options.collection.insertOne(target);
      return (this.builtInId = target._id);
    } catch (error) {
      // Another console instance created it first (the name is unique).
      if (!isDuplicateKeyError(error)) throw error;
      const winner = await this.options.collection.findOne({ builtIn: true });
      if (!winner) throw error;
      return (this.builtInId = winner._id);
    }
  }

  async describe(targetId: string): Promise<{ id: string; name: string; kind: 'local' | 'smb' } | null> {
    const target = await this.options.collection.findOne({ _id: targetId });
    return target ? { id: target._id, name: target.name, kind: target.kind } : null;
  }

  async driverFor(targetId: string): Promise<StorageDriver> {
    return this.driverOf(await this.document(targetId));
  }

  async list(): Promise<TargetView[]> {
    const targets = await this.options.collection.find({}).sort({ builtIn: -1, nameKey: 1 }).toArray();
    return targets.map((target) => this.present(target));
  }

  async get(targetId: string): Promise<TargetView> {
    return this.present(await this.document(targetId));
  }

  async create(body: CreateTargetBody): Promise<TargetView> {
    const now = new Date();
    const target: TargetDocument = {
      _id: randomUUID(),
      name: body.name,
      nameKey: body.name.toLowerCase(),
      kind: body.kind,
      builtIn: false,
      directory: body.kind === 'local' ? path.normalize(body.directory) : null,
      smb: body.kind === 'smb' ? this.smbSettings(body, body.password) : null,
      createdAt: now,
      updatedAt: now,
    };
    // Refuse a taken name before creating any directory for it (the unique index still decides races).
    if (await this.options.collection.findOne({ nameKey: target.nameKey })) throw this.nameConflict(body.name);
    if (target.directory) await new LocalStorageDriver(target.directory).prepare().catch((error: unknown) => this.refuseDirectory(error));
    await this.insertOrConflict(() => this.options.collection.insertOne(target), body.name);
    return this.present(target);
  }

  async update(targetId: string, body: UpdateTargetBody): Promise<{ before: TargetView; after: TargetView }> {
    const existing = await this.document(targetId);
    if (existing.builtIn) throw new AppError('conflict', `"${existing.name}" is the built-in target; it cannot be changed.`);
    let smb: SmbTargetSettings | null = null;
    if (body.kind === 'smb') {
      const keepsPassword = body.password === undefined || body.password === MASKED;
      if (keepsPassword && !existing.smb) {
        throw new AppError('validation_failed', 'The request body is not valid: password: required for an SMB target', { problems: [{ path: 'password', message: 'required for an SMB target' }] });
      }
      smb = keepsPassword ? { ...this.smbSettings(body, null), passwordSealed: existing.smb!.passwordSealed } : this.smbSettings(body, body.password!);
    }
    const directory = body.kind === 'local' ? path.normalize(body.directory) : null;
    if (directory) await new LocalStorageDriver(directory).prepare().catch((error: unknown) => this.refuseDirectory(error));
    const updated: TargetDocument = { ...existing, name: body.name, nameKey: body.name.toLowerCase(), kind: body.kind, directory, smb, updatedAt: new Date() };
    await this.insertOrConflict(() => this.options.collection.replaceOne({ _id: targetId }, updated), body.name);
    return { before: this.present(existing), after: this.present(updated) };
  }

  async remove(targetId: string): Promise<TargetView> {
    const existing = await this.document(targetId);
    if (existing.builtIn) throw new AppError('conflict', `"${existing.name}" is the built-in target; it cannot be deleted.`);
    for (const check of this.inUseChecks) {
      const use = await check(targetId);
      if (use) throw new AppError('conflict', `The backup target "${existing.name}" is in use: ${use}`);
    }
    await this.options.collection.deleteOne({ _id: targetId });
    return this.present(existing);
  }

  /** Writes, reads back and deletes a probe file, then reads the free space. Failures are results, not errors. */
  async testConnection(targetId: string): Promise<ConnectionTestResult> {
    const target = await this.document(targetId);
    const location = this.present(target).location;
    const started = Date.now();
    const driver = this.driverOf(target);
    const probeName = `garrison-probe-${randomUUID()}.tmp`;
    let written = false;
    try {
      const probe = randomBytes(PROBE_BYTES);
      const write = await driver.openWrite(probeName);
      try {
        write.stream.end(probe);
        await write.commit(probe.length);
      } catch (error) {
        await write.abort();
        throw error;
      }
      written = true;
      const readBack = await this.digestOf(await driver.read(probeName));
      if (readBack !== createHash('sha256').update(probe).digest('hex')) {
        throw new StorageError('io-error', 'The probe file read back differs from what was written.');
      }
      await driver.remove(probeName);
      written = false;
      const space = await driver.space();
      return { ok: true, location, freeBytes: space?.freeBytes ?? null, totalBytes: space?.totalBytes ?? null, durationMs: Date.now() - started };
    } catch (error) {
      if (written) await driver.remove(probeName).catch(() => undefined);
      if (!(error instanceof StorageError)) throw error;
      this.options.logger.info({ targetId, code: error.code }, 'backup target connection test failed');
      return { ok: false, location, code: error.code, message: error.message, durationMs: Date.now() - started };
    }
  }

  async usage(targetId: string): Promise<TargetUsage> {
    const driver = this.driverOf(await this.document(targetId));
    try {
      const files = await driver.list();
      const space = await driver.space();
      return {
        files: files.length,
        bytes: files.reduce((sum, file) => sum + file.sizeBytes, 0),
        freeBytes: space?.freeBytes ?? null,
        totalBytes: space?.totalBytes ?? null,
      };
    } catch (error) {
      if (error instanceof StorageError) throw new AppError('dependency_unavailable', error.message, { code: error.code });
      throw error;
    }
  }

  private async document(targetId: string): Promise<TargetDocument> {
    const target = await this.options.collection.findOne({ _id: targetId });
    if (!target) throw new AppError('not_found', `No backup target with id "${targetId}".`);
    return target;
  }

  private driverOf(target: TargetDocument): StorageDriver {
    if (target.kind === 'local') return new LocalStorageDriver(target.builtIn ? this.options.builtInDirectory : target.directory!);
    const { passwordSealed, ...smb } = target.smb!;
    return new SmbStorageDriver({
      ...smb,
      password: this.options.secretBox.openText(passwordSealed, SMB_PASSWORD_CONTEXT),
      timeoutMs: this.options.smbTimeoutMs,
    });
  }

  private present(target: TargetDocument): TargetView {
    return presentTarget(target, this.options.builtInDirectory);
  }

  private smbSettings(body: Extract<UpdateTargetBody, { kind: 'smb' }>, password: string | null): SmbTargetSettings {
    return {
      host: body.host,
      port: body.port,
      share: body.share,
      directory: body.directory,
      domain: body.domain,
      user: body.user,
      passwordSealed: password === null ? '' : this.options.secretBox.seal(password, SMB_PASSWORD_CONTEXT),
      minimumProtocol: body.minimumProtocol,
      requireEncryption: body.requireEncryption,
    };
  }

  private refuseDirectory(error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError('validation_failed', `The request body is not valid: directory: ${message}`, { problems: [{ path: 'directory', message }] });
  }

  private async insertOrConflict(write: () => Promise<unknown>, name: string): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw this.nameConflict(name);
      throw error;
    }
  }

  private nameConflict(name: string): AppError {
    return new AppError('conflict', `A backup target named "${name}" already exists.`, { problems: [{ path: 'name', message: 'is already used by another target' }] });
  }

  private async digestOf(stream: NodeJS.ReadableStream): Promise<string> {
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    return hash.digest('hex');
  }
}
