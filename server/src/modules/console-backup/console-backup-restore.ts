/**
 * Reading a console backup back. `verifyConsoleArchive` reads the whole
 * archive once: the manifest must be there, be of this console's version, and
 * every member must match its SHA-256 — all before anything is replaced.
 * `restoreConsoleArchive` then reads it again and replaces each collection
 * but KEPT_ON_RESTORE (all its documents deleted, then inserted in batches of at most 50: FerretDB
 * deadlocks on larger batched writes, README's embedded database section) and
 * each pki/ file (written beside, then renamed).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BSON, type Db, type Document } from 'mongodb';
import { extract as tarExtract } from 'tar-stream';
import { AppError } from '../../platform/errors.js';
import { StorageError } from '../backup-storage/storage-driver.js';
import { parseOrThrow } from '../../platform/validation.js';
import { COLLECTIONS_FOLDER, MANIFEST_MEMBER, manifestSchema, PKI_FOLDER, SAFE_COLLECTION_NAME, type ConsoleBackupManifest } from './console-backup-manifest.js';

export const INSERT_BATCH_SIZE = 50;

/**
 * Collections that are in the archive but that a restore keeps as they are:
 * the audit trail is append-only history (the restore itself is recorded in
 * it, and an older chain would hide what happened since), sessions and
 * sign-in lockouts must not bring back what was signed out or unlocked since,
 * and the job queue and outbox leases belong to the running processes.
 */
export const KEPT_ON_RESTORE: ReadonlySet<string> = new Set([
  'auditRecords',
  'sessions',
  'signInFailures',
  'signInLocks',
  'jobs',
  'notificationOutboxLeases',
  'notificationOutboxWorkers',
]);
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

type EntryHandler = (name: string, mode: number, content: AsyncIterable<Buffer>) => Promise<void>;

async function eachEntry(source: Readable, handle: EntryHandler): Promise<void> {
  const extract = tarExtract();
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    if (entry.header.type !== 'file') throw new AppError('unprocessable', `The backup holds "${entry.header.name}", which is not a plain file.`);
    await handle(entry.header.name, entry.header.mode, entry as AsyncIterable<Buffer>);
  }
}

export async function verifyConsoleArchive(source: Readable, version: string): Promise<ConsoleBackupManifest> {
  const digests = new Map<string, { bytes: number; sha256: string }>();
  let manifestText: string | null = null;
  const reading = eachEntry(source, async (name, _mode, content) => {
    const hash = createHash('sha256');
    let bytes = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of content) {
      hash.update(chunk);
      bytes += chunk.length;
      if (name === MANIFEST_MEMBER && bytes <= MAX_MANIFEST_BYTES) chunks.push(chunk);
    }
    if (name === MANIFEST_MEMBER) manifestText = Buffer.concat(chunks).toString('utf8');
    else digests.set(name, { bytes, sha256: hash.digest('hex') });
  });
  await reading.catch((error: unknown) => {
    if (error instanceof AppError || error instanceof StorageError) throw error;
    throw new AppError('unprocessable', `The file is not a readable console backup: ${error instanceof Error ? error.message : String(error)}.`);
  });
  if (manifestText === null) throw new AppError('unprocessable', 'The file is not a Garrison console backup: it has no manifest.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch {
    throw new AppError('unprocessable', 'The backup manifest is not valid JSON.');
  }
  const manifest = parseOrThrow(manifestSchema, parsed, 'backup manifest');
  if (manifest.consoleVersion !== version) {
    throw new AppError('conflict', `This backup was made by console version ${manifest.consoleVersion}; this console is version ${version}. A backup restores only onto the same version.`);
  }
  const expected = [...manifest.collections.map((collection) => collection.member), ...manifest.files];
  for (const member of expected) {
    const found = digests.get(member.path);
    if (!found || found.sha256 !== member.sha256 || found.bytes !== member.bytes) {
      throw new AppError('unprocessable', `The backup is damaged: ${member.path} ${found ? 'does not match its SHA-256' : 'is missing'}.`);
    }
  }
  if (digests.size !== expected.length) throw new AppError('unprocessable', 'The backup holds members its manifest does not list.');
  for (const collection of manifest.collections) {
    if (!SAFE_COLLECTION_NAME.test(collection.name) || collection.member.path !== `${COLLECTIONS_FOLDER}${collection.name}.ejson`) {
      throw new AppError('unprocessable', `The backup names a collection "${collection.name.slice(0, 60)}" that cannot be restored.`);
    }
  }
  for (const file of manifest.files) pkiPath('/', file.path);
  return manifest;
}

/** `pki/<relative>` under the data directory; anything that would leave pki/ is refused. */
function pkiPath(dataDir: string, member: string): string {
  const relative = member.slice(PKI_FOLDER.length);
  const root = path.resolve(dataDir, 'pki');
  const target = path.resolve(root, relative);
  if (!member.startsWith(PKI_FOLDER) || relative.length === 0 || relative.split('/').includes('..') || !target.startsWith(`${root}${path.sep}`)) {
    throw new AppError('unprocessable', `The backup holds a file "${member.slice(0, 80)}" outside pki/.`);
  }
  return target;
}

async function restoreCollection(db: Db, name: string, content: AsyncIterable<Buffer>): Promise<number> {
  const collection = db.collection(name);
  await collection.deleteMany({});
  let batch: Document[] = [];
  let restored = 0;
  let rest = '';
  const flush = async () => {
    if (batch.length === 0) return;
    await collection.insertMany(batch, { ordered: true });
    restored += batch.length;
    batch = [];
  };
  for await (const chunk of content) {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.length === 0) continue;
      batch.push(BSON.EJSON.parse(line, { relaxed: false }) as Document);
      if (batch.length >= INSERT_BATCH_SIZE) await flush();
    }
  }
  if (rest.length > 0) batch.push(BSON.EJSON.parse(rest, { relaxed: false }) as Document);
  await flush();
  return restored;
}

async function restorePkiFile(target: string, mode: number, content: AsyncIterable<Buffer>): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const restoring = `${target}.restoring`;
  await writeFile(restoring, Buffer.concat(chunks), { mode: mode & 0o777 });
  await chmod(restoring, mode & 0o777);
  await rename(restoring, target);
}

/** Replaces the collections and pki/ files the (verified) manifest lists; returns documents restored per collection. */
export async function restoreConsoleArchive(source: Readable, options: { db: Db; dataDir: string; manifest: ConsoleBackupManifest }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const collectionsByMember = new Map(options.manifest.collections.map((collection) => [collection.member.path, collection.name]));
  const files = new Set(options.manifest.files.map((file) => file.path));
  await eachEntry(source, async (name, mode, content) => {
    const collection = collectionsByMember.get(name);
    if (collection && !KEPT_ON_RESTORE.has(collection)) counts[collection] = await restoreCollection(options.db, collection, content);
    else if (files.has(name)) await restorePkiFile(pkiPath(options.dataDir, name), mode, content);
    else for await (const _chunk of content); // the manifest, or a collection kept as it is
  });
  return counts;
}
