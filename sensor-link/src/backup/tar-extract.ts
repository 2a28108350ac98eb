/**
 * Reads and safely extracts a tar file (a backup coming back from the
 * console). Two passes: `inspectTar` reads every header and refuses the whole
 * archive before anything is written when one entry could land outside the
 * destination:
 *   - an absolute path, a `..` segment, or a NUL in a path;
 *   - a symbolic link whose target is absolute or leaves the root
 *     (resolved from the link's own folder);
 *   - a hard link to anything but a regular file stored earlier in the archive;
 *   - an entry below a symbolic link of the archive (the link could point
 *     the write elsewhere);
 *   - devices, FIFOs and other special entries.
 * `extractTar` then writes into the destination, creating each folder itself
 * and checking on disk that no parent is a link, so even a destination that
 * already holds links is not written through.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdir, open, rm, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BLOCK_SIZE, TarFormatError, decodeHeaderBlock, isZeroBlock, paddingFor, parsePaxRecords, type TarHeader } from './tar-format.js';

export interface TarEntry extends TarHeader {
  /** Where the entry's data starts in the file. */
  dataOffset: number;
}

export class HostileArchiveError extends Error {
  constructor(entryPath: string, why: string) {
    super(`The archive was refused, nothing was restored: entry "${entryPath.slice(0, 200)}" ${why}.`);
    this.name = 'HostileArchiveError';
  }
}

const MAX_META_BYTES = 1024 * 1024;

async function readExactly(handle: FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new TarFormatError('The archive ends in the middle of an entry.');
  return buffer;
}

/** Every entry of a tar file, in order, with pax and GNU long names applied. */
export async function* readTarEntries(file: string): AsyncGenerator<TarEntry> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    let offset = 0;
    let pending: { path?: string; linkTarget?: string; sizeBytes?: number } = {};
    while (offset + BLOCK_SIZE <= size) {
      const block = await readExactly(handle, BLOCK_SIZE, offset);
      if (isZeroBlock(block)) return;
      const { typeFlag, header } = decodeHeaderBlock(block);
      const dataOffset = offset + BLOCK_SIZE;
      if (typeFlag !== 'entry') {
        if (header.sizeBytes > MAX_META_BYTES) throw new TarFormatError('An extended header is too large.');
        const body = await readExactly(handle, header.sizeBytes, dataOffset);
        if (typeFlag === 'x') {
          const records = parsePaxRecords(body);
          const paxSize = records.get('size');
          pending = {
            ...pending,
            ...(records.has('path') ? { path: records.get('path') } : {}),
            ...(records.has('linkpath') ? { linkTarget: records.get('linkpath') } : {}),
            ...(paxSize !== undefined ? { sizeBytes: Number(paxSize) } : {}),
          };
        } else if (typeFlag === 'L') {
          pending.path = body.toString('utf8').replace(/\0+$/, '');
        } else if (typeFlag === 'K') {
          pending.linkTarget = body.toString('utf8').replace(/\0+$/, '');
        }
        offset = dataOffset + header.sizeBytes + paddingFor(header.sizeBytes);
        continue;
      }
      const sizeBytes = pending.sizeBytes ?? header.sizeBytes;
      if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new TarFormatError('An entry has an impossible size.');
      const entry: TarEntry = { ...header, path: pending.path ?? header.path, linkTarget: pending.linkTarget ?? header.linkTarget, sizeBytes: header.kind === 'file' ? sizeBytes : 0, dataOffset };
      pending = {};
      if (dataOffset + entry.sizeBytes > size) throw new TarFormatError('The archive ends in the middle of an entry.');
      yield entry;
      offset = dataOffset + entry.sizeBytes + paddingFor(entry.sizeBytes);
    }
  } finally {
    await handle.close();
  }
}

/** The entry's path relative to the root (`a/b`), or null for the root itself; throws when it leaves the root. */
function safeRelativePath(entryPath: string): string | null {
  if (entryPath.includes('\0')) throw new HostileArchiveError(entryPath, 'has a NUL character in its path');
  if (entryPath.startsWith('/')) throw new HostileArchiveError(entryPath, 'has an absolute path');
  if (entryPath.split('/').includes('..')) throw new HostileArchiveError(entryPath, 'climbs out of its folder with ".."');
  const normalized = path.posix.normalize(entryPath).replace(/\/+$/, '');
  if (normalized === '.' || normalized === '') return null;
  return normalized.replace(/^(\.\/)+/, '');
}

/** Checks every entry (see the file comment); resolves with the entries to extract. Throws HostileArchiveError or TarFormatError. */
export async function inspectTar(file: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const symlinks = new Set<string>();
  const files = new Set<string>();
  for await (const entry of readTarEntries(file)) {
    const relative = safeRelativePath(entry.path);
    if (relative === null) continue;
    const parents = relative.split('/').slice(0, -1).map((_part, index, parts) => parts.slice(0, index + 1).join('/'));
    if (parents.some((parent) => symlinks.has(parent))) throw new HostileArchiveError(entry.path, 'lies below a symbolic link of the archive');
    if (entry.kind === 'other') throw new HostileArchiveError(entry.path, 'is a device, FIFO or other special file');
    if (entry.kind === 'symlink') {
      if (entry.linkTarget === '' || entry.linkTarget.startsWith('/')) throw new HostileArchiveError(entry.path, `is a symbolic link to the absolute path "${entry.linkTarget.slice(0, 200)}"`);
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(relative), entry.linkTarget));
      if (resolved === '..' || resolved.startsWith('../')) throw new HostileArchiveError(entry.path, `is a symbolic link out of the restore folder ("${entry.linkTarget.slice(0, 200)}")`);
      symlinks.add(relative);
    }
    if (entry.kind === 'hardlink') {
      const target = entry.linkTarget.startsWith('/') || entry.linkTarget.split('/').includes('..') ? null : path.posix.normalize(entry.linkTarget).replace(/^(\.\/)+/, '');
      if (!target || !files.has(target)) throw new HostileArchiveError(entry.path, `is a hard link to "${entry.linkTarget.slice(0, 200)}", which is not a file stored earlier in the archive`);
    }
    if (entry.kind === 'file') files.add(relative);
    entries.push({ ...entry, path: relative });
  }
  return entries;
}

/** Creates `relative`'s folder chain below `root`, refusing any existing part that is not a real folder. */
async function ensureParents(root: string, relative: string): Promise<void> {
  const parts = relative.split('/').slice(0, -1);
  let current = root;
  for (const part of parts) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => null);
    if (!info) {
      await mkdir(current, { mode: 0o755 });
    } else if (!info.isDirectory()) {
      throw new HostileArchiveError(relative, 'would be written through a link or file already in the restore folder');
    }
  }
}

/** Extracts `file` into the existing folder `destination` after inspectTar accepted it. */
export async function extractTar(file: string, destination: string): Promise<number> {
  const entries = await inspectTar(file);
  let count = 0;
  for (const entry of entries) {
    await ensureParents(destination, entry.path);
    const target = path.join(destination, entry.path);
    const existing = await lstat(target).catch(() => null);
    if (entry.kind === 'directory') {
      if (existing && !existing.isDirectory()) await rm(target, { force: true });
      if (!existing || !existing.isDirectory()) await mkdir(target, { mode: (entry.mode & 0o777) | 0o700 });
      count += 1;
      continue;
    }
    // Never write through whatever was there: remove it first.
    if (existing) await rm(target, { recursive: true, force: true });
    if (entry.kind === 'symlink') {
      await symlink(entry.linkTarget, target);
    } else if (entry.kind === 'hardlink') {
      await link(path.join(destination, path.posix.normalize(entry.linkTarget).replace(/^(\.\/)+/, '')), target);
    } else {
      const out = createWriteStream(target, { flags: 'wx', mode: entry.mode & 0o777 });
      if (entry.sizeBytes === 0) {
        out.end();
        await new Promise<void>((resolve, reject) => out.once('close', resolve).once('error', reject));
      } else {
        await pipeline(createReadStream(file, { start: entry.dataOffset, end: entry.dataOffset + entry.sizeBytes - 1, highWaterMark: 1024 * 1024 }), out);
      }
    }
    count += 1;
  }
  return count;
}
