/**
 * The answer of sign-in, change-password and GET /auth/me: who is signed in,
 * what they may do, and the CSRF token the browser must echo in `x-csrf-token`.
 */
import type { Principal } from '../../../http/auth.js';
import { PERMISSIONS, roleAllows } from '../../../http/permissions.js';
import type { UserRecord } from '../accounts/user-model.js';
import { presentUser } from '../accounts/user-presenter.js';
import { sessionEndsAt, type SessionPolicy } from './session-policy.js';
import type { SessionRecord } from './session-service.js';

export function presentMe(principal: Principal, user: UserRecord, session: SessionRecord | null, policy: SessionPolicy) {
  return {
    user: presentUser(user),
    role: principal.role,
    permissions: PERMISSIONS.filter((permission) => roleAllows(principal.role, permission)),
    mustChangePassword: user.mustChangePassword,
    /** 'session' for a browser, 'token' for an API token (no CSRF token then). */
    authenticatedBy: principal.kind,
    csrfToken: session?.csrfToken ?? null,
    session: session
      ? {
          createdAt: session.createdAt.toISOString(),
          /** When it ends if left unused (idle or absolute timeout, whichever is first). */
          endsAt: sessionEndsAt(session, policy).toISOString(),
          absoluteEndAt: session.expiresAt.toISOString(),
          idleTimeoutSeconds: Math.round(policy.idleTimeoutMs / 1000),
        }
      : null,
  };
}
