/**
 * API token strings: `gat_<id>_<secret>`.
 *   gat_     "Garrison API token": lets secret scanners and people recognise one
 *   <id>     24 hex characters, public; names the token in lists and audit records
 *   <secret> 256 random bits, base64url; only its SHA-256 is stored
 * A salted slow hash would add nothing: the secret is random, not chosen by a
 * person, so SHA-256 is already beyond brute force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_PATTERN = /^gat_([a-f0-9]{24})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiToken {
  id: string;
  secret: string;
}

export function newApiToken(): ParsedApiToken & { token: string } {
  const id = randomBytes(12).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `gat_${id}_${secret}` };
}

export function parseApiToken(token: string): ParsedApiToken | null {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashTokenSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** The token from an `Authorization: Bearer …` header; null when the scheme is not Bearer. */
export function bearerTokenOf(authorization: string): string | null {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  return match ? (match[1] as string) : null;
}
