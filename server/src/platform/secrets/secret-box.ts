/**
 * Secrets at rest: AES-256-GCM with a key derived (HKDF) from the master key
 * for each context, so a value sealed for one field cannot be decrypted as
 * another.
 *
 * Sealed format (one line, ASCII, safe in JSON, YAML and MongoDB strings):
 *
 *   gse1.<keyId>.<iv>.<tag>.<ciphertext>        (each part base64url, no padding)
 *
 * - `gse1` is the format version; a later format gets a new prefix.
 * - `keyId` names the master key that sealed the value, so "wrong key" is told
 *   apart from "tampered".
 * - The additional authenticated data is `gse1.<keyId>.<context>`: the header
 *   cannot be edited, and the value only opens under the context it was sealed for.
 *
 * Errors never contain plaintext or key material; they name the context.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import type { MasterKey } from './master-key.js';

/** What the API and UI show instead of a secret that is set. */
export const MASKED = '••••';

/** MASKED when a secret is set, '' when it is not, so the UI can tell "set" from "empty". */
export function maskSecret(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '' : MASKED;
}

const FORMAT = 'gse1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Contexts are field names like 'smtp.password'; the pattern keeps them safe to show in errors. */
const CONTEXT_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,127}$/i;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export type SecretBoxFailure = 'malformed' | 'wrong_key' | 'integrity';

function checkContext(context: string): void {
  if (!CONTEXT_PATTERN.test(context)) {
    throw new AppError(
      'internal',
      `Secret context "${context.slice(0, 40)}" is not valid: use letters, digits and . _ : - (at most 128 characters).`,
    );
  }
}

function openFailure(context: string, reason: SecretBoxFailure, message: string): AppError {
  return new AppError('internal', message, { context, reason });
}

export class SecretBox {
  readonly #masterKey: MasterKey;
  readonly #keys = new Map<string, Buffer>();

  constructor(masterKey: MasterKey) {
    this.#masterKey = masterKey;
  }

  /** The id of the master key this box seals with. */
  get keyId(): string {
    return this.#masterKey.keyId;
  }

  seal(plaintext: string | Buffer, context: string): string {
    checkContext(context);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keyFor(context), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#additionalData(this.keyId, context));
    const ciphertext = Buffer.concat([
      cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
      cipher.final(),
    ]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
    return [FORMAT, this.keyId, ...parts].join('.');
  }

  open(sealed: string, context: string): Buffer {
    checkContext(context);
    const parts = sealed.trim().split('.');
    const [format, keyId, ivText, tagText, ciphertextText] = parts;
    if (
      parts.length !== 5 ||
      format !== FORMAT ||
      keyId === undefined ||
      ivText === undefined ||
      tagText === undefined ||
      ciphertextText === undefined ||
      !parts.slice(1).every((part) => BASE64URL_PATTERN.test(part))
    ) {
      throw openFailure(
        context,
        'malformed',
        `The sealed value for "${context}" is not in the ${FORMAT} format: it was not written by Garrison, ` +
          'or it was cut short. Enter the secret again.',
      );
    }
    if (keyId !== this.keyId) {
      throw openFailure(
        context,
        'wrong_key',
        `The sealed value for "${context}" was sealed with master key ${keyId}, but this console runs with ` +
          `master key ${this.keyId}. Start the console with the master key that sealed it ` +
          '(GARRISON_MASTER_KEY or the master key file), or enter the secret again.',
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    const integrityFailure = openFailure(
      context,
      'integrity',
      `The sealed value for "${context}" failed its integrity check: it was altered, or it was sealed for ` +
        'another field. Enter the secret again.',
    );
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw integrityFailure;
    const decipher = createDecipheriv('aes-256-gcm', this.#keyFor(context), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.#additionalData(keyId, context));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]);
    } catch {
      throw integrityFailure;
    }
  }

  openText(sealed: string, context: string): string {
    return this.open(sealed, context).toString('utf8');
  }

  #keyFor(context: string): Buffer {
    let key = this.#keys.get(context);
    if (key === undefined) {
      key = this.#masterKey.deriveKey(`garrison/secret-box/${FORMAT}/${context}`);
      this.#keys.set(context, key);
    }
    return key;
  }

  #additionalData(keyId: string, context: string): Buffer {
    return Buffer.from(`${FORMAT}.${keyId}.${context}`, 'utf8');
  }
}
