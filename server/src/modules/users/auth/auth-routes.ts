/**
 * /api/v1/auth: sign-in sessions and the lockout policy.
 *   POST /sign-in               public; { username, password } → me + session cookie
 *   POST /sign-out              ends this session (204)
 *   POST /sign-out-everywhere   ends every session of the signed-in user
 *   GET  /me                    who is signed in, permissions, CSRF token
 *   POST /change-password       { currentPassword, newPassword } → me
 *   GET  /lockout-policy        admins ('users:manage')
 *   PUT  /lockout-policy        admins: { maxFailedLogins, windowMinutes, lockMinutes }
 * "Signed in" routes require 'console:read', which every role holds.
 */
import type { Request } from 'express';
import { principalOf, type Principal } from '../../../http/auth.js';
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import { AppError, isAppError } from '../../../platform/errors.js';
import { auditContextOf, sourceAddressOf } from '../../audit/audit-request.js';
import type { AuditTrail } from '../../audit/audit-trail.js';
import type { UsersService } from '../accounts/users-service.js';
import { sessionContextOf } from './authentication-middleware.js';
import type { LockoutGuard, StoredLockoutPolicy } from './lockout-guard.js';
import { presentMe } from './me-presenter.js';
import { changePasswordBody, lockoutPolicyBody, signInBody } from './schema.js';
import { clearSessionCookie, setSessionCookie } from './session-cookie.js';
import type { SessionService } from './session-service.js';
import type { SignInService } from './sign-in-service.js';

export interface AuthRoutesDependencies {
  catalogue: ApiRouteCatalogue;
  signIn: SignInService;
  sessions: SessionService;
  users: UsersService;
  lockout: LockoutGuard;
  audit: () => AuditTrail;
}

export function authRoutes(deps: AuthRoutesDependencies): ApiRouter {
  const routes = new DescribedRouter(deps.catalogue, '/auth', 'Sign-in');
  const signedIn = 'console:read';
  const manage = 'users:manage';

  routes.route(
    { method: 'post', path: '/sign-in', summary: 'Sign in; sets the session cookie and returns the CSRF token', permission: 'public', body: signInBody },
    async ({ body }, req, res) => {
      const sourceAddress = sourceAddressOf(req);
      let user;
      try {
        user = await deps.signIn.verifyPassword({ username: body.username, password: body.password, sourceAddress, channel: 'web' });
      } catch (error) {
        if (isAppError(error) && error.code === 'locked_out') {
          const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
          if (retryAfter) res.setHeader('retry-after', String(retryAfter));
        }
        throw error;
      }
      // A new id at every sign-in (no session fixation); the browser's previous session ends.
      const previous = sessionContextOf(req);
      if (previous) await deps.sessions.end(previous.session._id);
      const created = await deps.sessions.create({ userId: String(user._id), sourceAddress, userAgent: req.headers['user-agent'] ?? null });
      setSessionCookie(res, created.cookieValue, deps.sessions.policy.absoluteTimeoutMs / 1000);
      res.setHeader('cache-control', 'no-store');
      const principal: Principal = {
        kind: 'session',
        userId: String(user._id),
        username: user.username,
        role: user.role,
        scope: user.scope,
        credentialId: created.session._id,
      };
      return presentMe(principal, user, created.session, deps.sessions.policy);
    },
  );

  routes.route(
    { method: 'post', path: '/sign-out', summary: 'End this session', permission: signedIn, status: 204 },
    async (_input, req, res) => {
      const { session, user } = requireSession(req);
      await deps.sessions.end(session._id);
      clearSessionCookie(res);
      await deps.audit().record({ ...auditContextOf(req), action: 'auth.sign-out', target: { kind: 'user', id: String(user._id), name: user.username }, outcome: 'success' });
    },
  );

  routes.route(
    { method: 'post', path: '/sign-out-everywhere', summary: "End every session of the signed-in user", permission: signedIn },
    async (_input, req, res) => {
      const { user } = requireSession(req);
      const ended = await deps.sessions.endAllOf(String(user._id));
      clearSessionCookie(res);
      await deps.audit().record({
        ...auditContextOf(req),
        action: 'auth.sign-out-everywhere',
        target: { kind: 'user', id: String(user._id), name: user.username },
        outcome: 'success',
        reason: `${ended} session${ended === 1 ? '' : 's'} ended`,
      });
      return { endedSessions: ended };
    },
  );

  routes.route(
    { method: 'get', path: '/me', summary: 'Who is signed in: user, role, permissions, CSRF token', permission: signedIn },
    async (_input, req, res) => {
      const principal = principalOf(req);
      const context = sessionContextOf(req);
      const user = context?.user ?? (await deps.users.get(principal.userId));
      res.setHeader('cache-control', 'no-store');
      return presentMe(principal, user, context?.session ?? null, deps.sessions.policy);
    },
  );

  routes.route(
    { method: 'post', path: '/change-password', summary: 'Change your own password; other sessions end', permission: signedIn, body: changePasswordBody },
    async ({ body }, req, res) => {
      const { session } = requireSession(req);
      const user = await deps.signIn.changePassword({
        userId: principalOf(req).userId,
        currentPassword: body.currentPassword,
        newPassword: body.newPassword,
        sourceAddress: sourceAddressOf(req),
        keepSessionId: session._id,
      });
      res.setHeader('cache-control', 'no-store');
      return presentMe(principalOf(req), user, session, deps.sessions.policy);
    },
  );

  routes.route(
    { method: 'get', path: '/lockout-policy', summary: 'The failed sign-in lockout policy', permission: manage },
    async () => presentPolicy(await deps.lockout.policy()),
  );

  routes.route(
    { method: 'put', path: '/lockout-policy', summary: 'Change the lockout policy (MAX_FAILED_LOGINS 5–100, window, lock period)', permission: manage, body: lockoutPolicyBody },
    async ({ body }, req) => {
      const before = await deps.lockout.policy();
      const after = await deps.lockout.setPolicy(body, principalOf(req).username);
      await deps.audit().record({
        ...auditContextOf(req),
        action: 'auth.lockout-policy-changed',
        target: { kind: 'setting', id: 'lockout-policy', name: 'Failed sign-in lockout' },
        outcome: 'success',
        before: presentPolicy(before),
        after: presentPolicy(after),
      });
      return presentPolicy(after);
    },
  );

  return routes.apiRouter();
}

function requireSession(req: Request) {
  const context = sessionContextOf(req);
  if (!context) throw new AppError('bad_request', 'This is for browser sessions; an API token has no session or password to change here.');
  return context;
}

function presentPolicy(policy: StoredLockoutPolicy) {
  return {
    maxFailedLogins: policy.maxFailedLogins,
    windowMinutes: policy.windowMinutes,
    lockMinutes: policy.lockMinutes,
    updatedAt: policy.updatedAt?.toISOString() ?? null,
    updatedBy: policy.updatedBy,
  };
}
