/** The API shape of an API token: never its secret or the secret's hash. */
import type { ApiTokenRecord } from './api-token-service.js';

export type ApiTokenStatus = 'active' | 'expired' | 'revoked';

export function apiTokenStatus(token: ApiTokenRecord, now: Date): ApiTokenStatus {
  if (token.revokedAt) return 'revoked';
  return token.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export function presentApiToken(token: ApiTokenRecord, now: Date = new Date()) {
  return {
    id: token._id,
    name: token.name,
    role: token.role,
    status: apiTokenStatus(token, now),
    createdBy: { id: token.createdBy, username: token.createdByName },
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

export type ApiTokenView = ReturnType<typeof presentApiToken>;
