/**
 * Writes a directory tree as a tar file with tar-stream's pack(), streaming
 * (no file is held in memory), and measures the archive as it is written:
 * the result's size and SHA-256 are those of the bytes that reached
 * `targetFile`, so no second reading pass is needed before the upload.
 *
 * Paths in the archive are relative to the root, without a leading `./`
 * (tar-stream adds a pax header for long or non-ASCII paths, and GNU
 * base-256 for sizes over 8 GiB). Symbolic links are stored as links (never
 * followed); sockets, FIFOs and devices are skipped. A file that changes size
 * while it is read (a live capture core) is stored with the size it had when
 * its header was written: cut, or padded with zeros, because the header's
 * size is binding for every reader.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import type { ProducedBackup } from '../core/capture-core.js';
import { DigestStream } from './digest-stream.js';

export interface TarDirectoryOptions {
  /** Leaves out a path (relative, `/`-separated) and everything below it. */
  exclude?: (relativePath: string) => boolean;
}

const CHUNK_BYTES = 1024 * 1024;

type EntrySink = ReturnType<Pack['entry']>;

/** Resolves when `sink` can take more, rejects when it closed first (the archive was abandoned). */
function drained(sink: EntrySink): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sink.destroying) return reject(new Error('the archive was abandoned while a file was being added'));
    const onDrain = () => {
      sink.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      sink.off('drain', onDrain);
      reject(new Error('the archive was abandoned while a file was being added'));
    };
    sink.once('drain', onDrain);
    sink.once('close', onClose);
  });
}

/** Exactly `sizeBytes` of `file`: cut when it grew, zero-padded when it shrank. */
async function* fileBody(file: string, sizeBytes: number): AsyncGenerator<Buffer> {
  let produced = 0;
  if (sizeBytes > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: sizeBytes - 1, highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      const part = produced + chunk.length > sizeBytes ? chunk.subarray(0, sizeBytes - produced) : chunk;
      produced += part.length;
      yield part;
    }
  }
  while (produced < sizeBytes) {
    const zeros = Buffer.alloc(Math.min(CHUNK_BYTES, sizeBytes - produced));
    produced += zeros.length;
    yield zeros;
  }
}

/** Adds one entry; resolves once tar-stream took all of it (its entry callback). */
function addEntry(archive: Pack, header: Parameters<Pack['entry']>[0], body?: AsyncIterable<Buffer>): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = archive.entry(header, (error) => (error ? reject(error) : resolve()));
    // Directories and links have no body: tar-stream finishes them by itself.
    if (!body) return;
    (async () => {
      for await (const chunk of body) if (!sink.write(chunk)) await drained(sink);
      sink.end(null); // streamx's typings want an argument; null adds no data
    })().catch((error: unknown) => {
      sink.destroy(error as Error);
      reject(error as Error);
    });
  });
}

async function addTree(archive: Pack, root: string, relative: string, options: TarDirectoryOptions): Promise<void> {
  const names = (await readdir(path.join(root, relative))).sort();
  for (const name of names) {
    const entryPath = relative ? `${relative}/${name}` : name;
    if (options.exclude?.(entryPath)) continue;
    const absolute = path.join(root, entryPath);
    const info = await lstat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null; // removed while we walked
      throw error;
    });
    if (!info) continue;
    const common = { name: entryPath, mode: info.mode & 0o7777, mtime: info.mtime };
    if (info.isDirectory()) {
      await addEntry(archive, { ...common, type: 'directory' });
      await addTree(archive, root, entryPath, options);
    } else if (info.isSymbolicLink()) {
      await addEntry(archive, { ...common, type: 'symlink', linkname: await readlink(absolute) });
    } else if (info.isFile()) {
      await addEntry(archive, { ...common, type: 'file', size: info.size }, fileBody(absolute, info.size));
    }
  }
}

/** Writes `root` (its contents, not the folder itself) as a tar file at `targetFile`; resolves with its size and SHA-256. */
export async function tarDirectory(root: string, targetFile: string, options: TarDirectoryOptions = {}): Promise<ProducedBackup> {
  const archive = tarPack();
  const measure = new DigestStream();
  const written = pipeline(Readable.from(archive, { objectMode: false }), measure, createWriteStream(targetFile, { mode: 0o600, highWaterMark: CHUNK_BYTES }));
  const adding = addTree(archive, root, '', options).then(() => archive.finalize());
  adding.catch((error: unknown) => archive.destroy(error as Error));
  const [writing, walking] = await Promise.allSettled([written, adding]);
  if (walking.status === 'rejected') throw walking.reason;
  if (writing.status === 'rejected') throw writing.reason;
  return { sizeBytes: measure.sizeBytes, sha256: measure.sha256() };
}
