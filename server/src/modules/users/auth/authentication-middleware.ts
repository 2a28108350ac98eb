/**
 * Authentication for the whole API, run before every router (the users module's
 * `apiMiddleware`). It sets `req.principal` from:
 *   - `Authorization: Bearer gat_…` (an API token; a bad token is a 401 at once), or
 *   - the `garrison_session` cookie (a live session of an enabled user).
 * and enforces, for cookie sessions, the Origin and CSRF-token checks (csrf.ts)
 * and the must-change-password gate. A request without credentials gets no
 * principal; unless its route is public (access-rules.ts) it is refused with
 * 401 here, so a router that forgot its permission check still is not open.
 */
import type { Request, RequestHandler } from 'express';
import type { Principal } from '../../../http/auth.js';
import { AppError } from '../../../platform/errors.js';
import type { UserRecord } from '../accounts/user-model.js';
import type { UsersService } from '../accounts/users-service.js';
import type { ApiTokenService } from '../api-tokens/api-token-service.js';
import { PASSWORD_CHANGE_ROUTES, PUBLIC_ROUTES, routeKey, STATE_CHANGING_METHODS } from './access-rules.js';
import { CSRF_HEADER, csrfTokenMatches, MISSING_CSRF_TOKEN, originProblem } from './csrf.js';
import { clearSessionCookie, readSessionCookie } from './session-cookie.js';
import type { SessionRecord, SessionService } from './session-service.js';

export interface AuthenticationDependencies {
  sessions: SessionService;
  tokens: ApiTokenService;
  users: UsersService;
}

export interface SessionContext {
  session: SessionRecord;
  user: UserRecord;
}

/** The session and user behind a cookie-authenticated request (for /auth routes). */
const sessionContexts = new WeakMap<Request, SessionContext>();

export function sessionContextOf(req: Request): SessionContext | null {
  return sessionContexts.get(req) ?? null;
}

export const MUST_CHANGE_PASSWORD = 'Your password must be changed first: POST /api/v1/auth/change-password with your current and a new password.';
const SESSION_ENDED = 'Your session has ended (signed out, timed out, or ended by an admin); sign in again.';
const NOT_SIGNED_IN = 'Sign in first: this request carries no valid session or API token.';

export function authenticationMiddleware(deps: AuthenticationDependencies): RequestHandler {
  return async (req, res, next) => {
    try {
      const route = routeKey(req.method, req.path);
      const isPublic = PUBLIC_ROUTES.has(route);

      const authorization = req.headers.authorization;
      if (authorization !== undefined) {
        req.principal = await deps.tokens.authenticate(authorization);
        next();
        return;
      }

      const stateChanging = STATE_CHANGING_METHODS.has(req.method.toUpperCase());
      if (stateChanging) {
        const problem = originProblem(req.headers.origin, req.headers.host);
        if (problem) throw new AppError('csrf_failed', problem);
      }

      const cookieValue = readSessionCookie(req.headers.cookie);
      let sessionEnded = false;
      if (cookieValue !== null) {
        const resolved = await deps.sessions.resolve(cookieValue);
        const user = resolved.state === 'active' ? await deps.users.find(resolved.session.userId) : null;
        if (resolved.state === 'active' && user && !user.disabled) {
          if (stateChanging && !isPublic && !csrfTokenMatches(req.headers[CSRF_HEADER], resolved.session.csrfToken)) {
            throw new AppError('csrf_failed', MISSING_CSRF_TOKEN);
          }
          req.principal = principalOf(resolved.session, user);
          sessionContexts.set(req, { session: resolved.session, user });
          if (user.mustChangePassword && !isPublic && !PASSWORD_CHANGE_ROUTES.has(route)) {
            throw new AppError('forbidden', MUST_CHANGE_PASSWORD);
          }
        } else {
          // The user was deleted or disabled since: the session is worthless, remove it.
          if (resolved.state === 'active') await deps.sessions.end(resolved.session._id);
          sessionEnded = true;
          clearSessionCookie(res);
        }
      }

      if (!req.principal && !isPublic) throw new AppError('unauthenticated', sessionEnded ? SESSION_ENDED : NOT_SIGNED_IN);
      next();
    } catch (error) {
      next(error);
    }
  };
}

function principalOf(session: SessionRecord, user: UserRecord): Principal {
  return {
    kind: 'session',
    userId: String(user._id),
    username: user.username,
    role: user.role,
    scope: user.scope,
    credentialId: session._id,
  };
}
