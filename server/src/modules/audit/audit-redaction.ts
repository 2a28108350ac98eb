/**
 * What may go into an audit record's `before`/`after`. The audit module strips
 * secrets itself rather than trusting every caller to: a key that looks like it
 * holds a secret (password, token, key, community, …) has its value replaced at
 * any depth, and so does a string that looks like a credential whatever its key
 * (an API token, a sealed value, a PEM private key). Over-redacting a harmless
 * `keyId` is the price of never keeping a live secret in an append-only log.
 *
 * The result is plain JSON (Dates become ISO strings, functions and undefined
 * disappear), so it hashes the same after a round trip through the database.
 */

export const REDACTED = '[redacted]';

const SECRET_KEY = /pass(word|wd|phrase)?|pwd|secret|token|key|community|credential|authori[sz]ation|cookie|salt/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const SECRET_VALUE = [/^gat_/, /^gse\d+\./, /-----BEGIN [A-Z ]*PRIVATE KEY-----/];
/** Deeper structures are cut off: audit values are presenter shapes, not whole databases. */
const MAX_DEPTH = 12;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((pattern) => pattern.test(value));
}

/** A copy of `value` with secrets replaced by '[redacted]', as plain JSON; undefined stays undefined. */
export function redactSecrets(value: unknown): unknown {
  if (value === undefined) return undefined;
  // JSON round trip first: it applies toJSON (Dates, ObjectIds), drops functions and fails loudly on cycles.
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  return redactPlain(plain, 0);
}

function redactPlain(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return looksLikeSecretValue(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactPlain(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Keys with '.' or '$' cannot be stored in a document; replace them, do not drop the fact.
    const safeKey = key.replace(/[.$]/g, '_');
    copy[safeKey] = isSecretKey(key) && mayHoldSecret(item) ? REDACTED : redactPlain(item, depth + 1);
  }
  return copy;
}

/** Flags and timestamps under a secret-looking key (mustChangePassword, passwordChangedAt) are facts, not secrets. */
function mayHoldSecret(value: unknown): boolean {
  if (value === null || value === '' || typeof value === 'boolean') return false;
  return !(typeof value === 'string' && ISO_TIME.test(value));
}
