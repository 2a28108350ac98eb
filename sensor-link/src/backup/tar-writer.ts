/**
 * Writes a directory tree as a tar file, streaming (no file is held in
 * memory). Paths in the archive are relative to the root, without a leading
 * `./`. Symbolic links are stored as links (never followed); sockets, FIFOs
 * and devices are skipped. A file that changes size while it is read (a live
 * capture core) is stored with the size it had when its header was written:
 * cut, or padded with zeros.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { BLOCK_SIZE, encodeHeader, paddingFor } from './tar-format.js';

export interface TarDirectoryOptions {
  /** Leaves out a path (relative, `/`-separated) and everything below it. */
  exclude?: (relativePath: string) => boolean;
}

async function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      out.off('drain', onDrain);
      reject(error);
    };
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

async function writeFileBody(out: Writable, file: string, sizeBytes: number): Promise<void> {
  let written = 0;
  if (sizeBytes > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: sizeBytes - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
      const part = written + chunk.length > sizeBytes ? chunk.subarray(0, sizeBytes - written) : chunk;
      await writeChunk(out, part);
      written += part.length;
    }
  }
  // The file shrank while it was read: keep the archive consistent with its header.
  while (written < sizeBytes) {
    const zeros = Buffer.alloc(Math.min(1024 * 1024, sizeBytes - written));
    await writeChunk(out, zeros);
    written += zeros.length;
  }
  const padding = paddingFor(sizeBytes);
  if (padding > 0) await writeChunk(out, Buffer.alloc(padding));
}

async function writeTree(out: Writable, root: string, relative: string, options: TarDirectoryOptions): Promise<void> {
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
    const common = { path: entryPath, mode: info.mode, mtime: info.mtime, linkTarget: '' };
    if (info.isDirectory()) {
      await writeChunk(out, encodeHeader({ ...common, kind: 'directory', sizeBytes: 0 }));
      await writeTree(out, root, entryPath, options);
    } else if (info.isSymbolicLink()) {
      await writeChunk(out, encodeHeader({ ...common, kind: 'symlink', sizeBytes: 0, linkTarget: await readlink(absolute) }));
    } else if (info.isFile()) {
      await writeChunk(out, encodeHeader({ ...common, kind: 'file', sizeBytes: info.size }));
      await writeFileBody(out, absolute, info.size);
    }
  }
}

/** Writes `root` (its contents, not the folder itself) as a tar file at `targetFile`. */
export async function tarDirectory(root: string, targetFile: string, options: TarDirectoryOptions = {}): Promise<void> {
  const out = createWriteStream(targetFile, { mode: 0o600, highWaterMark: 1024 * 1024 });
  const done = finished(out);
  try {
    await writeTree(out, root, '', options);
    await writeChunk(out, Buffer.alloc(BLOCK_SIZE * 2));
    out.end();
    await done;
  } catch (error) {
    out.destroy();
    await done.catch(() => undefined);
    throw error;
  }
}
