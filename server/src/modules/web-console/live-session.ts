/**
 * Who is behind a browser socket: the same `garrison_session` cookie the REST
 * API reads. The users module does not publish its SessionService, and a second
 * mongoose model over the same collection would clash, so this reads the
 * session document through the driver and judges it with the users module's
 * own pure rules (cookie parsing, id hashing, idle/absolute timeouts).
 *
 * Read-only on purpose: the socket never extends a session (only REST calls
 * do), and it carries no data, only "changed" pushes, so a session the REST API
 * would refuse at worst receives a few ids until the next re-check.
 */
import type { Db } from 'mongodb';
import type { ConsoleServices } from '../../platform/console-module.js';
import { readSessionCookie, sessionIdOf } from '../users/auth/session-cookie.js';
import { DEFAULT_SESSION_POLICY, sessionState } from '../users/auth/session-policy.js';
import { SESSIONS_COLLECTION, type SessionRecord } from '../users/auth/session-service.js';

export interface LiveViewer {
  sessionId: string;
  userId: string;
  username: string;
}

export class LiveSessions {
  constructor(
    private readonly db: Db,
    private readonly users: () => ConsoleServices['users'],
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The viewer behind a Cookie header, or null when it carries no live session of an enabled user. */
  async fromCookieHeader(cookieHeader: string | undefined): Promise<LiveViewer | null> {
    const cookie = readSessionCookie(cookieHeader);
    if (cookie === null) return null;
    return this.check(sessionIdOf(cookie));
  }

  /** Re-checks a known session (it may have been signed out or timed out since). */
  async check(sessionId: string): Promise<LiveViewer | null> {
    const session = await this.db.collection<SessionRecord>(SESSIONS_COLLECTION).findOne({ _id: sessionId });
    if (!session || sessionState(session, DEFAULT_SESSION_POLICY, this.now()) !== 'active') return null;
    const user = await this.users().find(session.userId);
    if (!user || user.disabled || user.mustChangePassword) return null;
    return { sessionId, userId: session.userId, username: user.username };
  }
}
