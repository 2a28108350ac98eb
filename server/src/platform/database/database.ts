/**
 * Opens Garrison's database: the MongoDB named by `mongodbUri` (production: a
 * replica set), or else the embedded FerretDB server started for this process.
 *
 * The console gets one mongoose connection (created with `createConnection`, never
 * the global default, so tests can open several) and the driver `Db` of the same
 * client for code that talks to the driver directly (migrations, agenda).
 *
 * Index policy: `autoIndex` and `autoCreate` are off. Indexes are created explicitly
 * by the numbered migrations that run at start under the migration lock (with
 * `collection.createIndex`; `Model.syncIndexes()` works too, see
 * ferretdb-compat.test.ts), so an index that cannot be built (duplicates under a new
 * unique index) stops the start with a clear error instead of failing in the
 * background, and several instances never race to build the same index.
 */
import type { AnyBulkWriteOperation, Collection, Db, Document } from 'mongodb';
import mongoose from 'mongoose';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { lockDataDirectory, type DataDirectoryLock } from './data-directory-lock.js';
import { patchMongoDriver } from './driver-patches.js';
import { EmbeddedFerretDb } from './embedded-ferretdb.js';
import { ensureFerretDbBinary } from './ferretdb-binary.js';

export const DEFAULT_DATABASE_NAME = 'garrison';

export interface OpenDatabaseOptions {
  /** A MongoDB connection string; when absent, the embedded FerretDB server is started. */
  mongodbUri?: string;
  /** Garrison's data directory; the embedded database keeps its files in `<dataDir>/db`. */
  dataDir: string;
  logger: Logger;
}

export interface Database {
  connection: mongoose.Connection;
  db: Db;
  /** The connection string in use. It may hold a password: never log it as is. */
  uri: string;
  /** The embedded server, to watch its `down`/`up`/`fatal` events; null with an external MongoDB. */
  embedded: EmbeddedFerretDb | null;
  /** Closes the connection, then stops the embedded server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Driver settings. Server selection fails after 10 s instead of the driver's 30 s, so
 * a request during an outage answers "database unavailable" while a person still
 * waits. Commands are not buffered: models are used only after `openDatabase`
 * resolves, and a query without a database must fail rather than queue unseen.
 */
/** How long close() waits for commands in flight before it stops waiting. */
const CLOSE_GRACE_MS = 5000;

const CONNECTION_OPTIONS = {
  appName: 'garrison',
  serverSelectionTimeoutMS: 10_000,
  connectTimeoutMS: 10_000,
  autoIndex: false,
  autoCreate: false,
  bufferCommands: false,
} as const satisfies mongoose.ConnectOptions;

const EXTERNAL_POOL_SIZE = 50;
/**
 * FerretDB v1 runs an update as "read the matching documents, write them back" with
 * no isolation between connections: concurrent `$inc`s lose updates and several
 * callers can win the same conditional `findOneAndUpdate`. Each connection runs one
 * command at a time, so a single connection makes every command atomic with respect
 * to the others. It also keeps concurrent commands from exhausting FerretDB's 100
 * SQLite connections, which deadlocks it. The embedded server only ever serves this
 * one process, so one connection is enough (see ferretdb-compat.test.ts).
 */
const EMBEDDED_POOL_SIZE = 1;

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  // A command on a connection that closed under it must fail, not hang (see driver-patches.ts).
  patchMongoDriver();
  const logger = options.logger.child({ component: 'database' });
  let embedded: EmbeddedFerretDb | null = null;
  let dataLock: DataDirectoryLock | null = null;
  let uri: string;
  if (options.mongodbUri) {
    uri = options.mongodbUri;
  } else {
    const binary = await ensureFerretDbBinary({ logger });
    dataLock = await lockDataDirectory(options.dataDir);
    embedded = new EmbeddedFerretDb({ binaryPath: binary.path, dataDir: options.dataDir, logger: options.logger });
    try {
      await embedded.start();
    } catch (error) {
      await dataLock.release();
      throw error;
    }
    uri = embedded.uri;
  }

  const dbName = databaseNameFromUri(uri) ?? DEFAULT_DATABASE_NAME;
  const maxPoolSize = embedded ? EMBEDDED_POOL_SIZE : EXTERNAL_POOL_SIZE;
  const connection = mongoose.createConnection(uri, { ...CONNECTION_OPTIONS, maxPoolSize, dbName });
  // Without a listener an 'error' event would crash the process; the driver reconnects by itself.
  connection.on('error', (error: unknown) => logger.warn({ err: error }, 'database connection error'));
  connection.on('disconnected', () => logger.warn('database connection lost; the driver keeps retrying'));
  connection.on('reconnected', () => logger.info('database connection restored'));
  try {
    await connection.asPromise();
  } catch (error) {
    await connection.close().catch(() => undefined);
    await embedded?.stop();
    await dataLock?.release();
    const why = error instanceof Error ? error.message : String(error);
    throw new AppError('dependency_unavailable', `Cannot connect to the database at ${redactUri(uri)}: ${why}`, undefined, { cause: error });
  }
  logger.info({ uri: redactUri(uri), dbName, embedded: embedded !== null }, 'database connected');

  const db = connection.getClient().db(dbName);
  let closing: Promise<void> | null = null;
  return {
    connection,
    db,
    uri,
    embedded,
    close() {
      closing ??= (async () => {
        try {
          // A command the server never answers (its files gone, say) would hold close() forever and the
          // console with it: after a grace period, stop waiting; stopping the embedded server ends it.
          let timer: NodeJS.Timeout | undefined;
          const closed = await Promise.race([
            connection.close().then(() => true),
            new Promise<false>((resolve) => {
              timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
            }),
          ]);
          clearTimeout(timer);
          if (!closed) logger.warn({ graceMs: CLOSE_GRACE_MS }, 'the database connection did not close in time; stopping without waiting for it');
        } finally {
          await embedded?.stop();
          await dataLock?.release();
        }
      })();
      return closing;
    },
  };
}

/**
 * The database named in the path of a `mongodb://` or `mongodb+srv://` URI, or
 * null when it names none. (`new URL` cannot parse a multi-host list, hence by hand.)
 */
export function databaseNameFromUri(uri: string): string | null {
  const afterScheme = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = afterScheme.indexOf('/');
  if (slash === -1) return null;
  const pathPart = afterScheme.slice(slash + 1).split('?')[0] ?? '';
  return pathPart === '' ? null : decodeURIComponent(pathPart);
}

/** The URI without its password, fit for a log line or an error message. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^@/]*)@/, (_match, scheme: string, userInfo: string) => {
    const user = userInfo.split(':')[0] ?? '';
    return `${scheme}${user}:••••@`;
  });
}

/**
 * True when a write failed only because of a unique index. MongoDB reports code
 * 11000. FerretDB v1 does so for inserts and upserts, but an update, replace or
 * findOneAndUpdate that collides fails with code 1 (InternalError) and SQLite's
 * "UNIQUE constraint failed" message; a bulk error counts when every write error is one.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, writeErrors } = error as { code?: unknown; message?: unknown; writeErrors?: unknown };
  if (code === 11000) return true;
  if (code === 1 && typeof message === 'string' && message.includes('UNIQUE constraint failed')) return true;
  const entries: unknown[] = writeErrors === undefined ? [] : [writeErrors].flat();
  return entries.length > 0 && entries.every((entry) => isDuplicateKeyError(entry));
}

/**
 * FerretDB v1 holds one SQLite connection per update statement until the whole
 * `update` command ends, from a pool of 100: one command with 100 or more updates
 * deadlocks the embedded database (every later query on it hangs). Batched writes go
 * through `bulkWriteInBatches`, which sends at most this many operations per command.
 */
export const MAX_OPERATIONS_PER_BULK_WRITE = 50;

/**
 * Ids per `_id $in` (or other `$in`) read: Garrison's FerretDB patch pushes an
 * `$in` of up to 1,000 values down to SQL; half that keeps each read well inside
 * it and its answer to a few hundred kilobytes.
 */
export const IDS_PER_IN_READ = 500;

export interface BulkWriteCounts {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
}

/**
 * `collection.bulkWrite` in commands of at most MAX_OPERATIONS_PER_BULK_WRITE
 * operations, with the counts summed. A failing command stops the rest: the error is
 * the driver's (use `isDuplicateKeyError`), and earlier commands stay applied.
 */
export async function bulkWriteInBatches<T extends Document>(
  collection: Collection<T>,
  operations: AnyBulkWriteOperation<T>[],
  options: { ordered?: boolean } = {},
): Promise<BulkWriteCounts> {
  const counts: BulkWriteCounts = { insertedCount: 0, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0 };
  for (let start = 0; start < operations.length; start += MAX_OPERATIONS_PER_BULK_WRITE) {
    const result = await collection.bulkWrite(operations.slice(start, start + MAX_OPERATIONS_PER_BULK_WRITE), { ordered: options.ordered ?? true });
    counts.insertedCount += result.insertedCount;
    counts.matchedCount += result.matchedCount;
    counts.modifiedCount += result.modifiedCount;
    counts.deletedCount += result.deletedCount;
    counts.upsertedCount += result.upsertedCount;
  }
  return counts;
}
