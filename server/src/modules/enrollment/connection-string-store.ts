/**
 * Connection-string tokens (collection `connectionStrings`). A token has a
 * public id and a random secret of 256 bits; only SHA-256 of the secret is
 * stored (a fast hash is enough for a random secret: there is nothing to
 * guess). The standing string additionally keeps its secret sealed with the
 * master key so the Sensor Setup page can show it again for its whole life;
 * single-use strings are shown once, at creation.
 *
 * Consuming a use is ONE conditional findOneAndUpdate (right secret hash, not
 * revoked, not expired, uses left) so parallel enrolments can never overspend
 * a token; a failed enrolment step afterwards gives the use back.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { SecretBox } from '../../platform/secrets/secret-box.js';

export const CONNECTION_STRINGS_COLLECTION = 'connectionStrings';
const SEAL_CONTEXT = 'enrollment.standing-secret';
/** The standing string is "multi-use", but a finite budget keeps one leaked string from enrolling without end. */
export const STANDING_MAX_USES = 100_000;

export type ConnectionStringKind = 'single-use' | 'standing';

export interface ConnectionStringDocument {
  _id: string;
  kind: ConnectionStringKind;
  secretHash: string;
  /** Standing strings only: the secret sealed with the master key, to show the string again. */
  sealedSecret: string | null;
  zoneId: string | null;
  usesLeft: number;
  uses: number;
  expiresAt: Date;
  revokedAt: Date | null;
  createdAt: Date;
  createdBy: { id: string | null; name: string };
  lastUsedAt: Date | null;
}

export type ConsumeRefusal = 'unknown-token' | 'wrong-secret' | 'expired' | 'used-up' | 'revoked';

export type ConsumeResult = { ok: true; token: ConnectionStringDocument } | { ok: false; reason: ConsumeRefusal };

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface NewToken {
  kind: ConnectionStringKind;
  zoneId: string | null;
  ttlMs: number;
  createdBy: { id: string | null; name: string };
}

export class ConnectionStringStore {
  readonly collection: Collection<ConnectionStringDocument>;

  constructor(
    db: Db,
    private readonly secretBox: SecretBox,
  ) {
    this.collection = db.collection<ConnectionStringDocument>(CONNECTION_STRINGS_COLLECTION);
  }

  /** Creates a token; returns the document and the secret (the only time it exists in clear for single-use ones). */
  async create(input: NewToken, now = new Date()): Promise<{ token: ConnectionStringDocument; secret: string }> {
    const secret = randomBytes(32).toString('base64url');
    const token: ConnectionStringDocument = {
      _id: randomBytes(9).toString('base64url'),
      kind: input.kind,
      secretHash: hashSecret(secret),
      sealedSecret: input.kind === 'standing' ? this.secretBox.seal(secret, SEAL_CONTEXT) : null,
      zoneId: input.zoneId,
      usesLeft: input.kind === 'standing' ? STANDING_MAX_USES : 1,
      uses: 0,
      expiresAt: new Date(now.getTime() + input.ttlMs),
      revokedAt: null,
      createdAt: now,
      createdBy: input.createdBy,
      lastUsedAt: null,
    };
    await this.collection.insertOne(token);
    return { token, secret };
  }

  openStandingSecret(token: ConnectionStringDocument): string | null {
    return token.sealedSecret === null ? null : this.secretBox.openText(token.sealedSecret, SEAL_CONTEXT);
  }

  async currentStanding(now = new Date()): Promise<ConnectionStringDocument | null> {
    return this.collection.findOne(
      { kind: 'standing', revokedAt: null, expiresAt: { $gt: now }, usesLeft: { $gt: 0 } },
      { sort: { createdAt: -1 } },
    );
  }

  /** Revokes every usable standing token (regenerate revokes the old one). */
  async revokeStanding(now = new Date()): Promise<number> {
    const result = await this.collection.updateMany({ kind: 'standing', revokedAt: null }, { $set: { revokedAt: now, sealedSecret: null } });
    return result.modifiedCount;
  }

  async revoke(tokenId: string, now = new Date()): Promise<ConnectionStringDocument | null> {
    return this.collection.findOneAndUpdate(
      { _id: tokenId, revokedAt: null },
      { $set: { revokedAt: now, sealedSecret: null } },
      { returnDocument: 'after' },
    );
  }

  async find(tokenId: string): Promise<ConnectionStringDocument | null> {
    return this.collection.findOne({ _id: tokenId });
  }

  async list(limit: number): Promise<ConnectionStringDocument[]> {
    return this.collection.find({}).sort({ createdAt: -1 }).limit(limit).toArray();
  }

  /**
   * Spends one use. The secret is compared in constant time first; the update
   * then repeats every condition so a concurrent spend, revoke or expiry in
   * between cannot be overtaken. On refusal the token is re-read to say why.
   */
  async consume(tokenId: string, secret: string, now = new Date()): Promise<ConsumeResult> {
    const found = await this.find(tokenId);
    if (!found) return { ok: false, reason: 'unknown-token' };
    const secretHash = hashSecret(secret);
    if (!sameHash(found.secretHash, secretHash)) return { ok: false, reason: 'wrong-secret' };
    const token = await this.collection.findOneAndUpdate(
      { _id: tokenId, secretHash, revokedAt: null, expiresAt: { $gt: now }, usesLeft: { $gt: 0 } },
      { $inc: { usesLeft: -1, uses: 1 }, $set: { lastUsedAt: now } },
      { returnDocument: 'after' },
    );
    if (token) return { ok: true, token };
    const current = (await this.find(tokenId)) ?? found;
    if (current.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (current.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'used-up' };
  }

  /** Gives back a use spent by an enrolment that failed afterwards. */
  async giveBack(tokenId: string): Promise<void> {
    await this.collection.updateOne({ _id: tokenId, uses: { $gt: 0 } }, { $inc: { usesLeft: 1, uses: -1 } });
  }
}
