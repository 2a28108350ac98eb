/**
 * The connection string an admin copies from the console and pastes on a
 * sensor. Both ends use this codec; the format is documented in
 * sensor-link/CONNECTION-STRING.md:
 *
 *   GRS1.<payload>.<checksum>
 *   payload  = base64url (no padding) of compact JSON
 *              {"a":["host:port",…],"t":"<token id>","s":"<secret>","p":"<CA pin>","e":<expiry, Unix seconds>}
 *   checksum = base64url of the first 6 bytes of SHA-256("GRS1." + payload)  (8 characters)
 *
 * Only letters, digits, `-`, `_` and `.`: nothing a terminal, a web form or a
 * chat client rewrites, and a double-click selects all of it. Whitespace is
 * ignored when parsing, so a string wrapped over several lines still works.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

export const CONNECTION_STRING_VERSION = 'GRS1';
const CHECKSUM_BYTES = 6;
const CHECKSUM_CHARS = 8;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const HOST_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export interface ConsoleAddress {
  host: string;
  port: number;
}

export interface ConnectionStringContent {
  addresses: ConsoleAddress[];
  tokenId: string;
  /** At least 128 bits, base64url; the console stores only its SHA-256. */
  secret: string;
  /** base64url SHA-256 of the console CA's SubjectPublicKeyInfo (43 characters). */
  caPin: string;
  expiresAt: Date;
}

export type ConnectionStringProblem =
  | 'empty'
  | 'not-garrison'
  | 'unknown-version'
  | 'truncated'
  | 'altered'
  | 'malformed'
  | 'malformed-address'
  | 'bad-pin'
  | 'expired';

/** Parsing failed; `message` is a sentence for the person who pasted the string. */
export class ConnectionStringError extends Error {
  constructor(
    readonly problem: ConnectionStringProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionStringError';
  }
}

const payloadSchema = z.strictObject({
  a: z.array(z.string()).min(1).max(8),
  t: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  s: z.string().regex(/^[A-Za-z0-9_-]{22,128}$/),
  p: z.string(),
  e: z.number().int().positive(),
});

function checksumOf(body: string): string {
  return createHash('sha256').update(body).digest().subarray(0, CHECKSUM_BYTES).toString('base64url');
}

export function formatAddress(address: ConsoleAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** `host:port` or `[ipv6]:port`, or null when it is not one. */
export function parseAddress(text: string): ConsoleAddress | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return null;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  if (match[1] !== undefined ? isIP(host) !== 6 : isIP(host) !== 4 && !HOST_NAME.test(host)) return null;
  return { host, port };
}

export function encodeConnectionString(content: ConnectionStringContent): string {
  const payload = {
    a: content.addresses.map(formatAddress),
    t: content.tokenId,
    s: content.secret,
    p: content.caPin,
    e: Math.floor(content.expiresAt.getTime() / 1000),
  };
  const encoded = Buffer.from(JSON.stringify(payloadSchema.parse(payload)), 'utf8').toString('base64url');
  const body = `${CONNECTION_STRING_VERSION}.${encoded}`;
  return `${body}.${checksumOf(body)}`;
}

export interface ParseOptions {
  /** Defaults to the current time; an expired string is refused. */
  now?: Date;
}

/** Parses a pasted string or throws a ConnectionStringError saying what is wrong with it. */
export function parseConnectionString(input: string, options: ParseOptions = {}): ConnectionStringContent {
  const text = input.replace(/\s+/g, '');
  if (text.length === 0) throw new ConnectionStringError('empty', 'The connection string is empty: paste the whole string copied from the console.');
  const parts = text.split('.');
  const [version = '', encoded, checksum] = parts;
  if (!/^GRS\d+$/.test(version)) {
    throw new ConnectionStringError(
      'not-garrison',
      `This is not a Garrison connection string: it should start with "${CONNECTION_STRING_VERSION}.". Copy it again from the console (System Settings → Sensor Setup).`,
    );
  }
  if (version !== CONNECTION_STRING_VERSION) {
    throw new ConnectionStringError(
      'unknown-version',
      `The connection string has version ${version}, which this sensor-link does not know (it reads ${CONNECTION_STRING_VERSION}). Update sensor-link or copy a string from a console of the same release.`,
    );
  }
  if (parts.length > 3 || !BASE64URL.test(encoded ?? '') || !BASE64URL.test(checksum ?? '')) {
    throw new ConnectionStringError('malformed', 'The connection string contains characters or sections that do not belong to it; copy it again from the console.');
  }
  if (encoded === undefined || encoded.length === 0 || checksum === undefined || checksum.length < CHECKSUM_CHARS) {
    throw new ConnectionStringError('truncated', 'The connection string is truncated: its end is missing. Copy the whole string again.');
  }
  if (checksum.length > CHECKSUM_CHARS || checksumOf(`${version}.${encoded}`) !== checksum) {
    throw new ConnectionStringError(
      'altered',
      'The connection string was altered or partly lost in copying (its checksum does not match). Copy the whole string again.',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new ConnectionStringError('malformed', 'The connection string passes its checksum but its content cannot be read; ask the console admin for a new one.');
  }
  const payload = payloadSchema.safeParse(json);
  if (!payload.success) {
    throw new ConnectionStringError('malformed', 'The connection string passes its checksum but its content is not complete; ask the console admin for a new one.');
  }
  const addresses: ConsoleAddress[] = [];
  for (const text of payload.data.a) {
    const address = parseAddress(text);
    if (!address) {
      throw new ConnectionStringError(
        'malformed-address',
        `The connection string holds a malformed console address "${text.slice(0, 80)}" (expected host:port); check GARRISON_PUBLIC_HOSTS on the console and copy a new string.`,
      );
    }
    addresses.push(address);
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(payload.data.p)) {
    throw new ConnectionStringError('bad-pin', 'The connection string has a bad console CA pin (expected 43 base64url characters of a SHA-256); copy a new string.');
  }
  const expiresAt = new Date(payload.data.e * 1000);
  const now = options.now ?? new Date();
  if (expiresAt.getTime() <= now.getTime()) {
    throw new ConnectionStringError(
      'expired',
      `The connection string expired at ${expiresAt.toISOString()}; ask the console admin for a new one.`,
    );
  }
  return { addresses, tokenId: payload.data.t, secret: payload.data.s, caPin: payload.data.p, expiresAt };
}
