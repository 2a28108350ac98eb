/**
 * Password hashing with argon2id (@node-rs/argon2, which runs on libuv's thread
 * pool, so a hash never blocks the event loop and at most four run at once).
 *
 * Parameters: RFC 9106's second recommended option with one lane — 64 MiB,
 * 3 passes. About 70 ms per hash on the development machine; sign-in is rare and
 * lockout caps guessing per address, so the cost falls on offline cracking.
 * Hashes made with other parameters still verify and are upgraded at the next
 * successful sign-in (`needsRehash`).
 */
import { randomBytes } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

const ARGON2ID = 2; // Algorithm.Argon2id; the package's const enum cannot be imported under isolatedModules.

export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 65_536,
  timeCost: 3,
  parallelism: 1,
} as const satisfies Options;

const CURRENT_PARAMETERS = `$argon2id$v=19$m=${PASSWORD_HASH_OPTIONS.memoryCost},t=${PASSWORD_HASH_OPTIONS.timeCost},p=${PASSWORD_HASH_OPTIONS.parallelism}$`;

export class PasswordHasher {
  /**
   * A real hash of a random password, checked against when the user name is
   * unknown, so "no such user" takes as long as "wrong password".
   */
  private dummyHash: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return hash(password, PASSWORD_HASH_OPTIONS);
  }

  /** False for a wrong password and for a malformed stored hash (never throws on bad input). */
  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    const stored = passwordHash ?? (await this.dummy());
    try {
      const matches = await verify(stored, password);
      return passwordHash !== null && matches;
    } catch {
      return false;
    }
  }

  needsRehash(passwordHash: string): boolean {
    return !passwordHash.startsWith(CURRENT_PARAMETERS);
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(24).toString('base64url'));
    return this.dummyHash;
  }
}
