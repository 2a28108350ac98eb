/**
 * The tar format as far as sensor backups need it: POSIX ustar headers, with
 * pax extended headers for paths, link targets and sizes that do not fit;
 * reading also understands GNU long names and base-256 sizes, so an archive
 * made by GNU tar can be inspected (and refused when hostile).
 *
 * Entry kinds: regular file, directory, symbolic link, hard link. Anything
 * else (devices, FIFOs, sparse files) is reported as 'other' and refused by
 * the extractor.
 */
export const BLOCK_SIZE = 512;

export type TarEntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarHeader {
  path: string;
  kind: TarEntryKind;
  mode: number;
  sizeBytes: number;
  mtime: Date;
  linkTarget: string;
}

/** A header block's type flag; pax and GNU meta entries describe the entry after them. */
export type RawTypeFlag = 'x' | 'g' | 'L' | 'K' | 'entry';

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

const USTAR_MAX_SIZE = 0o77777777777;

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return `${length}${body}`;
}

function headerBlock(fields: { name: string; mode: number; size: number; mtime: Date; typeFlag: string; linkName: string }): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  writeString(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(fields.mtime.getTime() / 1000)));
  block.fill(0x20, 148, 156);
  writeString(block, 156, 1, fields.typeFlag);
  writeString(block, 157, 100, fields.linkName);
  writeString(block, 257, 6, 'ustar\0');
  writeString(block, 263, 2, '00');
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

const TYPE_FLAGS: Record<Exclude<TarEntryKind, 'other'>, string> = { file: '0', hardlink: '1', symlink: '2', directory: '5' };

/** The header block(s) of one entry: a pax header first when a path, link target or size does not fit ustar. */
export function encodeHeader(header: Omit<TarHeader, 'kind'> & { kind: Exclude<TarEntryKind, 'other'> }): Buffer {
  const pax: string[] = [];
  const name = header.kind === 'directory' && !header.path.endsWith('/') ? `${header.path}/` : header.path;
  if (Buffer.byteLength(name) > 99 || /[^\x20-\x7e]/.test(name)) pax.push(paxRecord('path', name));
  if (Buffer.byteLength(header.linkTarget) > 99 || /[^\x20-\x7e]/.test(header.linkTarget)) pax.push(paxRecord('linkpath', header.linkTarget));
  if (header.sizeBytes > USTAR_MAX_SIZE) pax.push(paxRecord('size', String(header.sizeBytes)));
  const main = headerBlock({
    name: pax.length > 0 ? name.replace(/[^\x20-\x7e]/g, '_').slice(-99) : name,
    mode: header.mode,
    size: header.sizeBytes > USTAR_MAX_SIZE ? 0 : header.sizeBytes,
    mtime: header.mtime,
    typeFlag: TYPE_FLAGS[header.kind],
    linkName: header.linkTarget.length > 99 ? header.linkTarget.slice(0, 99) : header.linkTarget,
  });
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''), 'utf8');
  const paxHeader = headerBlock({ name: 'PaxHeader', mode: 0o644, size: body.length, mtime: header.mtime, typeFlag: 'x', linkName: '' });
  return Buffer.concat([paxHeader, body, Buffer.alloc(paddingFor(body.length)), main]);
}

export function paddingFor(size: number): number {
  return (BLOCK_SIZE - (size % BLOCK_SIZE)) % BLOCK_SIZE;
}

function readString(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readNumber(block: Buffer, offset: number, length: number): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    // GNU base-256: big-endian, the first byte's high bit is the marker.
    let value = first & 0x7f;
    for (let index = 1; index < length; index += 1) value = value * 256 + (block[offset + index] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFormatError('A header holds a number too large to handle.');
    return value;
  }
  const text = readString(block, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`A header holds "${text}" where an octal number belongs.`);
  return Number.parseInt(text, 8);
}

export function isZeroBlock(block: Buffer): boolean {
  for (const byte of block) if (byte !== 0) return false;
  return true;
}

export interface DecodedBlock {
  typeFlag: RawTypeFlag;
  header: TarHeader;
}

/** Decodes one header block (checksum verified); `header.path` is the ustar prefix/name. */
export function decodeHeaderBlock(block: Buffer): DecodedBlock {
  const stored = readNumber(block, 148, 8);
  let sum = 0;
  for (let index = 0; index < BLOCK_SIZE; index += 1) sum += index >= 148 && index < 156 ? 0x20 : (block[index] ?? 0);
  if (sum !== stored) throw new TarFormatError('A header checksum does not match: the archive is damaged or not a tar file.');
  const flag = String.fromCharCode(block[156] ?? 0);
  const magic = readString(block, 257, 6);
  const prefix = magic.startsWith('ustar') ? readString(block, 345, 155) : '';
  const name = readString(block, 0, 100);
  const kind: TarEntryKind = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '2' ? 'symlink' : flag === '1' ? 'hardlink' : 'other';
  const typeFlag: RawTypeFlag = flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K' ? flag : 'entry';
  return {
    typeFlag,
    header: {
      path: prefix ? `${prefix}/${name}` : name,
      kind,
      mode: readNumber(block, 100, 8),
      sizeBytes: readNumber(block, 124, 12),
      mtime: new Date(readNumber(block, 136, 12) * 1000),
      linkTarget: readString(block, 157, 100),
    },
  };
}

/** The records of a pax extended header body. */
export function parsePaxRecords(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < body.length) {
    const space = body.indexOf(0x20, offset);
    if (space === -1) break;
    const length = Number.parseInt(body.subarray(offset, space).toString('ascii'), 10);
    if (!Number.isInteger(length) || length <= 0 || offset + length > body.length) throw new TarFormatError('A pax extended header is malformed.');
    const record = body.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}
