/**
 * Reads and safely extracts a tar file (a backup coming back from the
 * console). The tar format itself is tar-stream's extract() (ustar, pax, GNU
 * long names and base-256 sizes); the safety rules are ours. Two passes over
 * the file:
 *
 * 1. `inspectTar` reads every header and refuses the whole archive, before
 *    anything is written, when one entry could land outside the destination:
 *    - an absolute path, a `..` segment, or a NUL in a path;
 *    - a symbolic link whose target is absolute, leaves the root (resolved
 *      from the link's own folder), or passes through another symbolic link
 *      of the archive (a chain such as `a -> b/..` with `b -> .` would leave
 *      the root although each link looks harmless on its own);
 *    - a hard link to anything but a regular file stored earlier in the archive;
 *    - an entry below a path that is a symbolic link anywhere in the archive
 *      (the link could point the write elsewhere), or below a file stored
 *      earlier (extraction could not create the folder);
 *    - devices, FIFOs and other special entries (GNU sparse files included).
 *    A damaged or non-tar file is refused as well.
 * 2. `extractTar` reads the file again and writes into the destination,
 *    checking that each entry is the one pass 1 accepted, creating each folder
 *    itself and checking on disk that no parent is a link, so even a
 *    destination that already holds links is not written through.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { link, lstat, mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';

export type TarEntryKind = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface TarEntry {
  /** Normalized, relative to the destination (`a/b`). */
  path: string;
  kind: TarEntryKind;
  mode: number;
  sizeBytes: number;
  /** Symbolic link target as stored; hard link target normalized like `path`; '' otherwise. */
  linkTarget: string;
}

export class HostileArchiveError extends Error {
  constructor(entryPath: string, why: string) {
    super(`The archive was refused, nothing was restored: entry "${entryPath.slice(0, 200)}" ${why}.`);
    this.name = 'HostileArchiveError';
  }
}

export class DamagedArchiveError extends Error {
  constructor(why: string) {
    super(`The archive could not be read, nothing was restored: ${why}`);
    this.name = 'DamagedArchiveError';
  }
}

type EntryVisitor = (header: Header, body: AsyncIterable<Buffer>) => Promise<void>;

/**
 * Calls `visit` for each entry in order; `visit` may read the body, whatever
 * it leaves unread is skipped. Format errors become DamagedArchiveError.
 */
async function eachEntry(file: string, visit: EntryVisitor): Promise<void> {
  const extract = tarExtract();
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const entries = extract[Symbol.asyncIterator]();
  const read = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw new DamagedArchiveError((error as Error).message);
    }
  };
  try {
    for (;;) {
      const next = await read(() => entries.next());
      if (next.done) break;
      const entry = next.value;
      await visit(entry.header, entry as AsyncIterable<Buffer>);
      // tar-stream never ends the body of a directory entry (it has no data): skip only the others' bodies.
      if (entry.header.type !== 'directory') await read(async () => {
        for await (const _chunk of entry as AsyncIterable<Buffer>);
      });
    }
  } finally {
    source.destroy();
    extract.destroy();
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

function kindOf(header: Header): TarEntryKind | null {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return null; // devices, FIFOs, GNU sparse and volume entries, unknown type flags
  }
}

/** `relative`'s parents: `a/b/c` gives `a`, `a/b`. */
function parentsOf(relative: string): string[] {
  return relative.split('/').slice(0, -1).map((_part, index, parts) => parts.slice(0, index + 1).join('/'));
}

/** Where symbolic link `relative` points, resolved inside the archive; throws when that leaves the root or passes through another link. */
function checkSymlinkTarget(relative: string, linkTarget: string, symlinks: ReadonlySet<string>): void {
  if (linkTarget === '' || linkTarget.startsWith('/') || linkTarget.includes('\0')) {
    throw new HostileArchiveError(relative, `is a symbolic link to the absolute path "${linkTarget.slice(0, 200)}"`);
  }
  const resolved: string[] = relative.split('/').slice(0, -1);
  const steps = linkTarget.split('/').filter((step) => step !== '' && step !== '.');
  for (const [index, step] of steps.entries()) {
    if (step === '..') {
      if (resolved.length === 0) throw new HostileArchiveError(relative, `is a symbolic link out of the restore folder ("${linkTarget.slice(0, 200)}")`);
      resolved.pop();
      continue;
    }
    resolved.push(step);
    if (index < steps.length - 1 && symlinks.has(resolved.join('/'))) {
      throw new HostileArchiveError(relative, `is a symbolic link through another symbolic link of the archive ("${linkTarget.slice(0, 200)}")`);
    }
  }
}

interface Inspected {
  entries: TarEntry[];
  /** The raw headers, to check in pass 2 that the file still holds what was inspected. */
  fingerprints: string[];
}

function fingerprintOf(header: Header): string {
  return JSON.stringify([header.name, header.type, header.linkname ?? '', header.size]);
}

async function inspect(file: string): Promise<Inspected> {
  const entries: TarEntry[] = [];
  const fingerprints: string[] = [];
  await eachEntry(file, async (header) => {
    fingerprints.push(fingerprintOf(header));
    const relative = safeRelativePath(header.name);
    const kind = kindOf(header);
    if (kind === null) throw new HostileArchiveError(header.name, 'is a device, FIFO or other special file');
    const linkTarget = header.linkname ?? '';
    if (relative === null) {
      if (kind !== 'directory') throw new HostileArchiveError(header.name, 'names the restore folder itself but is not a folder');
      return;
    }
    entries.push({ path: relative, kind, mode: header.mode, sizeBytes: kind === 'file' ? header.size : 0, linkTarget });
  });
  const symlinks = new Set(entries.filter((entry) => entry.kind === 'symlink').map((entry) => entry.path));
  // What each path holds at this point of the extraction (folders created for parents included), so that
  // everything extraction would trip over is refused here, before anything is written.
  const holds = new Map<string, TarEntryKind>();
  for (const entry of entries) {
    for (const parent of parentsOf(entry.path)) {
      if (symlinks.has(parent)) throw new HostileArchiveError(entry.path, 'lies below a symbolic link of the archive');
      if (holds.get(parent) === 'file' || holds.get(parent) === 'hardlink') throw new HostileArchiveError(entry.path, 'lies below a file of the archive');
      holds.set(parent, 'directory');
    }
    if (entry.kind === 'symlink') checkSymlinkTarget(entry.path, entry.linkTarget, symlinks);
    if (entry.kind === 'hardlink') {
      const target = entry.linkTarget.startsWith('/') || entry.linkTarget.split('/').includes('..') ? null : path.posix.normalize(entry.linkTarget).replace(/^(\.\/)+/, '');
      if (!target || target === entry.path || holds.get(target) !== 'file') {
        throw new HostileArchiveError(entry.path, `is a hard link to "${entry.linkTarget.slice(0, 200)}", which is not a file stored earlier in the archive`);
      }
      entry.linkTarget = target;
    }
    // A folder replaced by something else takes what was below it along (extraction removes it).
    if (holds.get(entry.path) === 'directory' && entry.kind !== 'directory') {
      for (const held of [...holds.keys()]) if (held.startsWith(`${entry.path}/`)) holds.delete(held);
    }
    holds.set(entry.path, entry.kind);
  }
  return { entries, fingerprints };
}

/** Checks every entry (see the file comment); resolves with the entries to extract. Throws HostileArchiveError or DamagedArchiveError. */
export async function inspectTar(file: string): Promise<TarEntry[]> {
  return (await inspect(file)).entries;
}

/** Checks on disk that every folder above `relative` is a real folder; creates the missing ones when `create`. */
async function checkParents(root: string, relative: string, create: boolean): Promise<void> {
  let current = root;
  for (const part of relative.split('/').slice(0, -1)) {
    current = path.join(current, part);
    const info = await lstat(current).catch(() => null);
    if (!info && create) {
      await mkdir(current, { mode: 0o755 });
    } else if (!info?.isDirectory()) {
      throw new HostileArchiveError(relative, 'would be written through a link or file already in the restore folder');
    }
  }
}

async function writeEntry(destination: string, entry: TarEntry, body: AsyncIterable<Buffer>): Promise<void> {
  await checkParents(destination, entry.path, true);
  const target = path.join(destination, entry.path);
  const existing = await lstat(target).catch(() => null);
  if (entry.kind === 'directory') {
    if (existing?.isDirectory()) return;
    if (existing) await rm(target, { force: true });
    await mkdir(target, { mode: (entry.mode & 0o777) | 0o700 });
    return;
  }
  // Never write through whatever was there: remove it first.
  if (existing) await rm(target, { recursive: true, force: true });
  if (entry.kind === 'symlink') {
    await symlink(entry.linkTarget, target);
  } else if (entry.kind === 'hardlink') {
    await checkParents(destination, entry.linkTarget, false);
    const source = path.join(destination, entry.linkTarget);
    if (!(await lstat(source).catch(() => null))?.isFile()) throw new HostileArchiveError(entry.path, `is a hard link to "${entry.linkTarget}", which is no longer a plain file`);
    await link(source, target);
  } else {
    await pipeline(Readable.from(body), createWriteStream(target, { flags: 'wx', mode: entry.mode & 0o777 }));
  }
}

/** Extracts `file` into the existing folder `destination` once the inspection accepted it; resolves with the number of entries written. */
export async function extractTar(file: string, destination: string): Promise<number> {
  const { entries, fingerprints } = await inspect(file);
  let index = 0;
  let written = 0;
  await eachEntry(file, async (header, body) => {
    if (fingerprintOf(header) !== fingerprints[index]) throw new DamagedArchiveError('the file changed between its inspection and its extraction.');
    index += 1;
    if (safeRelativePath(header.name) === null) return;
    const entry = entries[written];
    if (!entry) throw new DamagedArchiveError('the file changed between its inspection and its extraction.');
    await writeEntry(destination, entry, body);
    written += 1;
  });
  if (index !== fingerprints.length) throw new DamagedArchiveError('the file changed between its inspection and its extraction.');
  return written;
}
