/**
 * Who and where, taken from an HTTP request, for `audit.record({ ...auditContextOf(req), … })`.
 * Every module that audits a user's action uses this, so actors look the same
 * whichever module wrote the record.
 */
import type { Request } from 'express';
import type { Principal } from '../../http/auth.js';
import type { AuditActor } from './audit-chain.js';

/** The client's IP address as the socket sees it (the console does not trust proxy headers). */
export function sourceAddressOf(req: Request): string | null {
  return normalizeAddress(req.socket.remoteAddress ?? null);
}

/** '::ffff:10.0.0.5' → '10.0.0.5', so one client has one address in counters and records. */
export function normalizeAddress(address: string | null): string | null {
  if (address === null) return null;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

export function actorFromPrincipal(principal: Principal): AuditActor {
  return {
    kind: 'user',
    id: principal.userId,
    name: principal.kind === 'token' ? `${principal.username} (API token ${principal.credentialId})` : principal.username,
  };
}

export const SYSTEM_ACTOR: AuditActor = { kind: 'system', id: null, name: 'Garrison' };

/** Actor and source address of a request; the system when nobody is signed in. */
export function auditContextOf(req: Request): { actor: AuditActor; sourceAddress: string | null } {
  return {
    actor: req.principal ? actorFromPrincipal(req.principal) : SYSTEM_ACTOR,
    sourceAddress: sourceAddressOf(req),
  };
}
