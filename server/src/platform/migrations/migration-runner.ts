/**
 * Numbered migrations (migrations/NNN-name.ts, listed in migrations/index.ts),
 * run at start under a database lock and recorded in the `migrations` collection.
 *
 * Why not migrate-mongo: its lock relies on a TTL index to expire a stuck lock
 * and it loads migrations from a CommonJS config by file scanning; we want typed
 * migrations imported like any other module (so `tsc` checks them), a lock that
 * a crashed console cannot hold forever on FerretDB as well as MongoDB, and no
 * file scanning at run time. The runner is ~100 lines.
 *
 * Guarantees: two consoles starting together apply each migration exactly once
 * (the lock is a document with a unique _id; the holder refreshes it between
 * migrations; a lock older than its lease is taken over with a conditional
 * update). A migration that throws stops the start; it is not recorded, so the
 * next start retries it. Migrations must therefore be idempotent.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';
import { isDuplicateKeyError } from '../database/database.js';
import type { Logger } from '../logger.js';

export interface Migration {
  /** `NNN-what-it-does`, unique and ordered. */
  id: string;
  description: string;
  up(db: Db, logger: Logger): Promise<void>;
}

export interface MigrationStatus {
  id: string;
  description: string;
  appliedAt: Date | null;
}

interface LockDocument {
  _id: string;
  owner: string;
  expiresAt: Date;
}

interface AppliedDocument {
  _id: string;
  description: string;
  appliedAt: Date;
  durationMs: number;
}

const LOCK_ID = 'migrations';
const LEASE_MS = 60_000;
const POLL_MS = 200;

export class MigrationRunner {
  private readonly owner = randomUUID();

  constructor(
    private readonly db: Db,
    private readonly migrations: readonly Migration[],
    private readonly logger: Logger,
  ) {
    const ids = migrations.map((migration) => migration.id);
    const sorted = [...ids].sort();
    if (new Set(ids).size !== ids.length) throw new Error('Two migrations share an id');
    if (ids.some((id, index) => id !== sorted[index])) throw new Error('Migrations must be listed in id order');
  }

  async status(): Promise<MigrationStatus[]> {
    const applied = await this.db.collection<AppliedDocument>('migrations').find().toArray();
    const byId = new Map(applied.map((document) => [document._id, document.appliedAt]));
    return this.migrations.map((migration) => ({
      id: migration.id,
      description: migration.description,
      appliedAt: byId.get(migration.id) ?? null,
    }));
  }

  /** Applies every pending migration; returns the ids applied by this call. */
  async up(timeoutMs = 120_000): Promise<string[]> {
    await this.acquire(timeoutMs);
    const appliedNow: string[] = [];
    try {
      for (const migration of this.migrations) {
        const done = await this.db.collection<AppliedDocument>('migrations').findOne({ _id: migration.id });
        if (done) continue;
        await this.refresh();
        const started = Date.now();
        this.logger.info({ migration: migration.id }, 'applying migration');
        await migration.up(this.db, this.logger);
        await this.db.collection<AppliedDocument>('migrations').insertOne({
          _id: migration.id,
          description: migration.description,
          appliedAt: new Date(),
          durationMs: Date.now() - started,
        });
        appliedNow.push(migration.id);
      }
    } finally {
      await this.release();
    }
    return appliedNow;
  }

  private locks() {
    return this.db.collection<LockDocument>('migrationLocks');
  }

  private async acquire(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + LEASE_MS);
      try {
        await this.locks().insertOne({ _id: LOCK_ID, owner: this.owner, expiresAt });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const stolen = await this.locks().findOneAndUpdate(
        { _id: LOCK_ID, expiresAt: { $lt: now } },
        { $set: { owner: this.owner, expiresAt } },
        { returnDocument: 'after' },
      );
      if (stolen?.owner === this.owner) {
        this.logger.warn('took over an expired migration lock (a console probably crashed while migrating)');
        return;
      }
      if (Date.now() > deadline) throw new Error('Timed out waiting for another console to finish its migrations');
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async refresh(): Promise<void> {
    const result = await this.locks().updateOne(
      { _id: LOCK_ID, owner: this.owner },
      { $set: { expiresAt: new Date(Date.now() + LEASE_MS) } },
    );
    if (result.matchedCount !== 1) throw new Error('Lost the migration lock to another console');
  }

  private async release(): Promise<void> {
    await this.locks().deleteOne({ _id: LOCK_ID, owner: this.owner });
  }
}
