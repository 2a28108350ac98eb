/**
 * API tokens for scripts: created by an admin from a browser session, shown
 * once, stored as a hash, listed without secrets, revoked at will, expiring
 * after at most a year.
 *
 * A token acts as its creator with its own role, which may not exceed the
 * creator's: checked when it is made and again at every use, so demoting,
 * disabling or deleting the creator takes the token's power away too. Tokens
 * cannot mint tokens, so a leaked token cannot make itself permanent.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Principal } from '../../../http/auth.js';
import { ROLE_LABELS, ROLE_PERMISSIONS, type Role } from '../../../http/permissions.js';
import { AppError } from '../../../platform/errors.js';
import type { Acting, UsersService } from '../accounts/users-service.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import { bearerTokenOf, hashTokenSecret, newApiToken, parseApiToken, secretMatches } from './api-token-format.js';
import { presentApiToken } from './api-token-presenter.js';

export interface ApiTokenRecord {
  /** The public id inside the token string. */
  _id: string;
  name: string;
  role: Role;
  secretHash: string;
  createdBy: string;
  createdByName: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export const API_TOKENS_COLLECTION = 'apiTokens';
/** Like sessions: record use at most once a minute, not on every request. */
const LAST_USED_INTERVAL_MS = 60_000;
const DAY_MS = 24 * 60 * 60_000;

const apiTokenSchema = new Schema<ApiTokenRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    role: { type: String, required: true },
    secretHash: { type: String, required: true },
    createdBy: { type: String, required: true },
    createdByName: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    lastUsedAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    revokedBy: { type: String, default: null },
  },
  { collection: API_TOKENS_COLLECTION, versionKey: false, strict: 'throw' },
);

/** True when every permission of `role` is also a permission of `ceiling`. */
export function roleWithin(role: Role, ceiling: Role): boolean {
  return [...ROLE_PERMISSIONS[role]].every((permission) => ROLE_PERMISSIONS[ceiling].has(permission));
}

const INVALID_TOKEN = 'The API token is not valid: check that it was copied whole, or create a new one.';

export class ApiTokenService {
  private readonly tokens: Model<ApiTokenRecord>;

  constructor(
    connection: Connection,
    private readonly users: UsersService,
    private readonly audit: () => AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.tokens = connection.model<ApiTokenRecord>('ApiToken', apiTokenSchema);
  }

  list(): Promise<ApiTokenRecord[]> {
    return this.tokens.find().sort({ createdAt: -1 }).lean<ApiTokenRecord[]>().exec();
  }

  /** Returns the full token string, which is never available again. */
  async create(input: { name: string; role: Role; expiresInDays: number }, creator: Principal, acting: Acting): Promise<{ token: string; record: ApiTokenRecord }> {
    if (creator.kind !== 'session') throw new AppError('forbidden', 'API tokens can only be created from a signed-in browser session, not with another token.');
    const user = await this.users.get(creator.userId);
    if (!roleWithin(input.role, user.role)) {
      throw new AppError('forbidden', `A token's role may not exceed its creator's: you are ${ROLE_LABELS[user.role]}, the token asks for ${ROLE_LABELS[input.role]}.`);
    }
    const { id, secret, token } = newApiToken();
    const now = this.now();
    const record: ApiTokenRecord = {
      _id: id,
      name: input.name,
      role: input.role,
      secretHash: hashTokenSecret(secret),
      createdBy: String(user._id),
      createdByName: user.username,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.expiresInDays * DAY_MS),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await this.tokens.create(record);
    await this.audit().record({ ...acting, action: 'api-token.created', target: tokenTarget(record), outcome: 'success', after: presentApiToken(record, now) });
    return { token, record };
  }

  async revoke(id: string, acting: Acting): Promise<ApiTokenRecord> {
    const now = this.now();
    const revoked = await this.tokens
      .findOneAndUpdate({ _id: id, revokedAt: null }, { $set: { revokedAt: now, revokedBy: acting.actor.id ?? acting.actor.name } }, { returnDocument: 'after' })
      .lean<ApiTokenRecord>()
      .exec();
    if (revoked) {
      await this.audit().record({ ...acting, action: 'api-token.revoked', target: tokenTarget(revoked), outcome: 'success', after: presentApiToken(revoked, now) });
      return revoked;
    }
    // Revoking twice is not an error; revoking nothing is.
    const existing = await this.tokens.findById(id).lean<ApiTokenRecord>().exec();
    if (!existing) throw new AppError('not_found', `There is no API token with id ${id}.`);
    return existing;
  }

  /** Revokes every token a (deleted) user created. */
  async revokeAllOf(userId: string): Promise<number> {
    const result = await this.tokens.updateMany({ createdBy: userId, revokedAt: null }, { $set: { revokedAt: this.now(), revokedBy: 'system' } }).exec();
    return result.modifiedCount;
  }

  /** The principal behind an Authorization header; throws `unauthenticated` with the reason a holder can act on. */
  async authenticate(authorization: string): Promise<Principal> {
    const presented = bearerTokenOf(authorization);
    if (presented === null) throw new AppError('unauthenticated', 'The Authorization header must be "Bearer <API token>".');
    const parsed = parseApiToken(presented);
    if (!parsed) throw new AppError('unauthenticated', INVALID_TOKEN);
    const token = await this.tokens.findById(parsed.id).lean<ApiTokenRecord>().exec();
    // Unknown id and wrong secret answer alike, so ids cannot be probed.
    if (!token || !secretMatches(parsed.secret, token.secretHash)) throw new AppError('unauthenticated', INVALID_TOKEN);
    const now = this.now();
    if (token.revokedAt) throw new AppError('unauthenticated', 'This API token was revoked.');
    if (token.expiresAt.getTime() <= now.getTime()) throw new AppError('unauthenticated', `This API token expired at ${token.expiresAt.toISOString()}; create a new one.`);
    const creator = await this.users.find(token.createdBy);
    if (!creator || creator.disabled) throw new AppError('unauthenticated', 'The user who created this API token no longer exists or is disabled.');
    if (!roleWithin(token.role, creator.role)) {
      throw new AppError(
        'unauthenticated',
        `This API token's role (${ROLE_LABELS[token.role]}) is above its creator's current role (${ROLE_LABELS[creator.role]}); create a new token.`,
      );
    }
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_INTERVAL_MS) {
      await this.tokens.updateOne({ _id: token._id }, { $set: { lastUsedAt: now } }).exec();
    }
    return {
      kind: 'token',
      userId: String(creator._id),
      username: creator.username,
      role: token.role,
      scope: creator.scope,
      credentialId: token._id,
    };
  }
}

function tokenTarget(token: ApiTokenRecord) {
  return { kind: 'apiToken', id: token._id, name: token.name };
}
