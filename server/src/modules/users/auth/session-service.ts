/**
 * Sign-in sessions, stored in the database (any console instance can serve any
 * request; nothing about a session lives in process memory). The document id is
 * SHA-256 of the cookie value; the CSRF token is stored as is, since it is only
 * of use together with the cookie.
 */
import { randomBytes } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { newSessionSecret, sessionIdOf } from './session-cookie.js';
import { needsTouch, sessionState, type SessionPolicy, type SessionState } from './session-policy.js';

export interface SessionRecord {
  /** SHA-256 (hex) of the cookie value. Safe to log and to put in audit records. */
  _id: string;
  userId: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end (createdAt + absolute timeout), for pruning and display. */
  expiresAt: Date;
  sourceAddress: string | null;
  userAgent: string | null;
}

export const SESSIONS_COLLECTION = 'sessions';

const sessionSchema = new Schema<SessionRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    csrfToken: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    sourceAddress: { type: String, default: null },
    userAgent: { type: String, default: null },
  },
  { collection: SESSIONS_COLLECTION, versionKey: false, strict: 'throw' },
);

export interface NewSession {
  /** Goes into the cookie; never stored. */
  cookieValue: string;
  session: SessionRecord;
}

export type ResolvedSession = { state: 'active'; session: SessionRecord } | { state: Exclude<SessionState, 'active'> | 'unknown' };

export class SessionService {
  private readonly sessions: Model<SessionRecord>;

  constructor(
    connection: Connection,
    readonly policy: SessionPolicy,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.sessions = connection.model<SessionRecord>('Session', sessionSchema);
  }

  async create(input: { userId: string; sourceAddress: string | null; userAgent: string | null }): Promise<NewSession> {
    const cookieValue = newSessionSecret();
    const now = this.now();
    const session: SessionRecord = {
      _id: sessionIdOf(cookieValue),
      userId: input.userId,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.policy.absoluteTimeoutMs),
      sourceAddress: input.sourceAddress,
      userAgent: input.userAgent ? input.userAgent.slice(0, 300) : null,
    };
    await this.sessions.create(session);
    return { cookieValue, session };
  }

  /** The session behind a cookie value; an expired one is deleted and reported as such. */
  async resolve(cookieValue: string): Promise<ResolvedSession> {
    const id = sessionIdOf(cookieValue);
    const session = await this.sessions.findById(id).lean<SessionRecord>().exec();
    if (!session) return { state: 'unknown' };
    const now = this.now();
    const state = sessionState(session, this.policy, now);
    if (state !== 'active') {
      await this.sessions.deleteOne({ _id: id }).exec();
      return { state };
    }
    if (needsTouch(session, this.policy, now)) {
      // Conditional, so concurrent requests of one browser make one write between them.
      const threshold = new Date(now.getTime() - this.policy.touchIntervalMs);
      await this.sessions.updateOne({ _id: id, lastSeenAt: { $lte: threshold } }, { $set: { lastSeenAt: now } }).exec();
      session.lastSeenAt = now;
    }
    return { state: 'active', session };
  }

  async end(sessionId: string): Promise<boolean> {
    const result = await this.sessions.deleteOne({ _id: sessionId }).exec();
    return result.deletedCount > 0;
  }

  async endAllOf(userId: string, exceptSessionId?: string): Promise<number> {
    const filter = exceptSessionId === undefined ? { userId } : { userId, _id: { $ne: exceptSessionId } };
    const result = await this.sessions.deleteMany(filter).exec();
    return result.deletedCount;
  }

  /** Deletes sessions past either timeout (FerretDB has no TTL indexes, so a job calls this). */
  async prune(): Promise<number> {
    const now = this.now();
    const result = await this.sessions
      .deleteMany({ $or: [{ expiresAt: { $lte: now } }, { lastSeenAt: { $lte: new Date(now.getTime() - this.policy.idleTimeoutMs) } }] })
      .exec();
    return result.deletedCount;
  }
}
