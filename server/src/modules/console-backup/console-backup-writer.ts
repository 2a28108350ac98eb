/**
 * Writes the console's own backup as a tar stream: every database collection
 * (EJSON lines), the data directory's pki/ files, then the manifest. Each
 * collection is first spooled to a file in a private temporary folder (a tar
 * header needs the size up front), so nothing is held in memory whole.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { BSON, type Db } from 'mongodb';
import { pack as tarPack, type Pack } from 'tar-stream';
import { COLLECTIONS_FOLDER, MANIFEST_FORMAT, MANIFEST_MEMBER, PKI_FOLDER, SAFE_COLLECTION_NAME, type ConsoleBackupManifest, type ManifestMember } from './console-backup-manifest.js';

export interface WrittenArchive {
  manifest: ConsoleBackupManifest;
  sizeBytes: number;
  sha256: string;
}

interface SpooledMember extends ManifestMember {
  file: string;
  mode: number;
}

async function spoolCollection(db: Db, name: string, file: string): Promise<{ documents: number; bytes: number; sha256: string }> {
  const out = createWriteStream(file, { mode: 0o600 });
  const hash = createHash('sha256');
  let documents = 0;
  let bytes = 0;
  try {
    for await (const document of db.collection(name).find({})) {
      const line = Buffer.from(`${BSON.EJSON.stringify(document, { relaxed: false })}\n`, 'utf8');
      hash.update(line);
      bytes += line.length;
      documents += 1;
      if (!out.write(line)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { documents, bytes, sha256: hash.digest('hex') };
}

async function digestFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Regular files under `root`, relative paths with `/`; symbolic links are left out. */
async function filesUnder(root: string, relative = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesUnder(root, child)));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

function addEntry(archive: Pack, header: { name: string; size?: number; mode: number }, source: Readable | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (Buffer.isBuffer(source)) {
      archive.entry({ ...header, mtime: new Date() }, source, (error) => (error ? reject(error) : resolve()));
      return;
    }
    const entry = archive.entry({ ...header, mtime: new Date() }, (error) => (error ? reject(error) : resolve()));
    source.on('error', reject);
    source.pipe(entry as unknown as Writable);
  });
}

export async function writeConsoleArchive(options: { db: Db; dataDir: string; version: string; createdAt: Date; sink: Writable }): Promise<WrittenArchive> {
  const spool = await mkdtemp(path.join(os.tmpdir(), 'garrison-console-backup-'));
  try {
    const names = (await options.db.listCollections({}, { nameOnly: true }).toArray())
      .map((collection) => collection.name)
      .filter((name) => !name.startsWith('system.') && SAFE_COLLECTION_NAME.test(name))
      .sort();
    const collections: ConsoleBackupManifest['collections'] = [];
    const members: SpooledMember[] = [];
    for (const [index, name] of names.entries()) {
      const file = path.join(spool, `${index}.ejson`);
      const spooled = await spoolCollection(options.db, name, file);
      const member = { path: `${COLLECTIONS_FOLDER}${name}.ejson`, bytes: spooled.bytes, sha256: spooled.sha256 };
      collections.push({ name, documents: spooled.documents, member });
      members.push({ ...member, file, mode: 0o600 });
    }
    const pkiRoot = path.join(options.dataDir, 'pki');
    const files: ManifestMember[] = [];
    for (const relative of await filesUnder(pkiRoot)) {
      const file = path.join(pkiRoot, relative);
      const info = await lstat(file);
      const member = { path: `${PKI_FOLDER}${relative}`, bytes: info.size, sha256: await digestFile(file) };
      files.push(member);
      members.push({ ...member, file, mode: info.mode & 0o777 });
    }
    const manifest: ConsoleBackupManifest = { format: MANIFEST_FORMAT, consoleVersion: options.version, createdAt: options.createdAt.toISOString(), collections, files };

    const archive = tarPack();
    const digest = createHash('sha256');
    let sizeBytes = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        digest.update(chunk);
        sizeBytes += chunk.length;
        callback(null, chunk);
      },
    });
    const written = pipeline(Readable.from(archive, { objectMode: false }), measure, options.sink);
    const adding = (async () => {
      for (const member of members) await addEntry(archive, { name: member.path, size: member.bytes, mode: member.mode }, createReadStream(member.file));
      await addEntry(archive, { name: MANIFEST_MEMBER, mode: 0o600 }, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
      archive.finalize();
    })();
    adding.catch((error: unknown) => archive.destroy(error as Error));
    await Promise.all([written, adding]);
    return { manifest, sizeBytes, sha256: digest.digest('hex') };
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}
