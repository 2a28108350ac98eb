/**
 * The authorisation contract every route uses:
 *   router.post('/', requirePermission('sites:manage'), endpoint({ body }, handler))
 *
 * Authentication (session cookie + CSRF, or API token) is done once for the whole
 * API by the users module's middleware, which sets `req.principal`; this file only
 * checks what the principal may do. No principal → 401; wrong role → 403.
 */
import type { RequestHandler } from 'express';
import { AppError } from '../platform/errors.js';
import { ROLE_LABELS, roleAllows, type Permission, type Role } from './permissions.js';

export interface Principal {
  kind: 'session' | 'token';
  userId: string;
  username: string;
  role: Role;
  /** Sites/zones the user is restricted to; null means the whole fleet. */
  scope: { siteIds: string[]; zoneIds: string[] } | null;
  /** The session or token id, for audit records and sign-out. */
  credentialId: string;
}

declare global {
  // Express's own extension point for request properties.
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

/** Each route declares the one permission it needs; the router is mounted behind authentication. */
export function requirePermission(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) {
      next(new AppError('unauthenticated', 'Sign in first: this request carries no valid session or API token.'));
      return;
    }
    if (!roleAllows(principal.role, permission)) {
      next(new AppError('forbidden', `Your role (${ROLE_LABELS[principal.role]}) does not allow this (${permission}).`));
      return;
    }
    next();
  };
}

/** The principal of a request that passed requirePermission. */
export function principalOf(req: Express.Request): Principal {
  if (!req.principal) throw new AppError('unauthenticated', 'Sign in first: this request carries no valid session or API token.');
  return req.principal;
}
