/**
 * The master key: 32 random bytes from which every at-rest encryption key is
 * derived (sealed settings secrets, the console CA key, the server key).
 *
 * It comes from `GARRISON_MASTER_KEY` (base64) when set, else from a key file
 * whose documented default is `${XDG_CONFIG_HOME:-$HOME/.config}/garrison/master.key`.
 * The file deliberately lives outside the data directory: a copy of the data
 * directory or of the database alone cannot be decrypted.
 *
 * The file holds the key as base64 text (one line), the same form the
 * environment variable takes, so moving from one to the other is a copy.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  PRIVATE_FILE_MODE,
  createFileExclusive,
  ensurePrivateDirectory,
  hasErrorCode,
  readFileIfExists,
} from './private-file.js';

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_ENVIRONMENT_VARIABLE = 'GARRISON_MASTER_KEY';

/** 32 bytes in standard base64 is exactly 43 characters and one `=`. */
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$/;
const HKDF_SALT = Buffer.from('garrison master key v1', 'utf8');

export type MasterKeySource = { kind: 'environment' } | { kind: 'file'; path: string; created: boolean };

/**
 * Holds the key bytes privately; callers get derived keys only. `toJSON` and
 * `util.inspect` show the key id, so logging the object cannot leak the key.
 */
export class MasterKey {
  readonly #bytes: Buffer;
  /** Identifies the key (derived from it, reveals nothing) so data sealed with another key says so. */
  readonly keyId: string;
  readonly source: MasterKeySource;

  constructor(bytes: Buffer, source: MasterKeySource) {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new AppError('internal', `A master key must be ${MASTER_KEY_BYTES} bytes; got ${bytes.length}.`);
    }
    this.#bytes = Buffer.from(bytes);
    this.source = source;
    this.keyId = this.deriveKey('garrison/key-id', 9).toString('base64url');
  }

  /** HKDF-SHA256 of the master key for one purpose; the same purpose always yields the same key. */
  deriveKey(purpose: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#bytes, HKDF_SALT, Buffer.from(purpose, 'utf8'), length));
  }

  toJSON(): { keyId: string; source: MasterKeySource } {
    return { keyId: this.keyId, source: this.source };
  }

  [inspect.custom](): string {
    return `MasterKey(${this.keyId})`;
  }
}

export interface LoadMasterKeyOptions {
  /** Value of GARRISON_MASTER_KEY, if set; wins over the file. */
  keyBase64?: string | undefined;
  /** Absolute path of the key file. */
  keyFile: string;
  /** Create the file with a fresh key when it does not exist (first start). */
  createIfMissing: boolean;
}

const loadMasterKeyOptionsSchema = z.object({
  keyBase64: z.string().optional(),
  keyFile: z.string().min(1).refine((value) => path.isAbsolute(value), 'The master key file path must be absolute'),
  createIfMissing: z.boolean(),
});

function decodeBase64Key(text: string): Buffer | null {
  const trimmed = text.trim();
  return BASE64_32_BYTES.test(trimmed) ? Buffer.from(trimmed, 'base64') : null;
}

function describeMode(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

async function readKeyFile(keyFile: string): Promise<Buffer | null> {
  let info;
  try {
    info = await stat(keyFile);
  } catch (error) {
    if (hasErrorCode(error, 'ENOENT')) return null;
    throw new AppError('internal', `Cannot read the master key file ${keyFile}: ${String(error)}.`, undefined, {
      cause: error,
    });
  }
  if (!info.isFile()) {
    throw new AppError('internal', `The master key file ${keyFile} is not a regular file.`);
  }
  if ((info.mode & 0o077) !== 0) {
    throw new AppError(
      'internal',
      `The master key file ${keyFile} is readable or writable by group or others (mode ${describeMode(info.mode)}). ` +
        `Restrict it with \`chmod 600 ${keyFile}\` and start again.`,
    );
  }
  const content = await readFileIfExists(keyFile);
  if (content === null) return null;
  const key = decodeBase64Key(content.toString('utf8'));
  if (key === null) {
    throw new AppError(
      'internal',
      `The master key file ${keyFile} does not hold a ${MASTER_KEY_BYTES}-byte key in base64 ` +
        `(expected 44 characters, found ${content.toString('utf8').trim().length}). ` +
        'Restore the original file; a new key cannot open data sealed with the old one.',
    );
  }
  return key;
}

/**
 * Loads the master key: from `keyBase64` when given, else from `keyFile`,
 * creating that file (0600, directory 0700) when missing and allowed.
 * Refuses malformed keys and key files readable by anyone but the owner.
 * Two processes creating the file at once end up with the same key.
 */
export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<MasterKey> {
  const parsed = loadMasterKeyOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new AppError('validation_failed', 'The master key options are invalid.', parsed.error.issues);
  }
  const { keyBase64, keyFile, createIfMissing } = parsed.data;

  if (keyBase64 !== undefined && keyBase64.trim() !== '') {
    const key = decodeBase64Key(keyBase64);
    if (key === null) {
      // Never echo the value: it may be a real key with a typo.
      throw new AppError(
        'validation_failed',
        `${MASTER_KEY_ENVIRONMENT_VARIABLE} must be ${MASTER_KEY_BYTES} random bytes in base64 ` +
          '(44 characters ending in "="), for example the output of `openssl rand -base64 32`.',
      );
    }
    return new MasterKey(key, { kind: 'environment' });
  }

  const existing = await readKeyFile(keyFile);
  if (existing !== null) return new MasterKey(existing, { kind: 'file', path: keyFile, created: false });

  if (!createIfMissing) {
    throw new AppError(
      'internal',
      `No master key: ${MASTER_KEY_ENVIRONMENT_VARIABLE} is not set and ${keyFile} does not exist. ` +
        'Set the variable, or restore the key file that was created at first start.',
    );
  }

  await ensurePrivateDirectory(path.dirname(keyFile));
  const fresh = randomBytes(MASTER_KEY_BYTES);
  const created = await createFileExclusive(keyFile, `${fresh.toString('base64')}\n`, PRIVATE_FILE_MODE);
  if (created) return new MasterKey(fresh, { kind: 'file', path: keyFile, created: true });

  // Another process created it between our check and our write: use theirs.
  const winner = await readKeyFile(keyFile);
  if (winner === null) {
    throw new AppError('internal', `The master key file ${keyFile} disappeared while it was being created.`);
  }
  return new MasterKey(winner, { kind: 'file', path: keyFile, created: false });
}

/**
 * The documented default key file: `${XDG_CONFIG_HOME:-$HOME/.config}/garrison/master.key`.
 * A relative XDG_CONFIG_HOME is ignored, as the XDG base directory specification requires.
 */
export function defaultMasterKeyFile(environment: NodeJS.ProcessEnv, homeDirectory: string): string {
  const xdgConfigHome = environment.XDG_CONFIG_HOME;
  const configHome =
    xdgConfigHome !== undefined && path.isAbsolute(xdgConfigHome) ? xdgConfigHome : path.join(homeDirectory, '.config');
  return path.join(configHome, 'garrison', 'master.key');
}
