/**
 * /api/v1/connection-strings, 'enrollment:manage' (admins):
 *   POST   /                       a single-use string, optional zoneId and ttlSeconds (201; the only time it is shown)
 *   GET    /standing               the standing multi-use string, created on demand (24 h by default)
 *   POST   /standing/regenerate    revokes the standing string and makes a new one
 *   GET    /                       recent strings (metadata only, never a secret)
 *   DELETE /:id                    revokes one
 * Every change is audited.
 */
import type { Request } from 'express';
import { encodeConnectionString, parseAddress, type ConsoleAddress } from '../../../../sensor-link/src/protocol/connection-string.js';
import type { ApiRouter } from '../../http/http-app.js';
import { requireUnscoped, scopeOf } from '../../http/access-scope.js';
import { DescribedRouter } from '../../http/openapi.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import { AppError } from '../../platform/errors.js';
import { auditContextOf } from '../audit/audit-request.js';
import type { ConnectionStringDocument, ConnectionStringStore } from './connection-string-store.js';
import { DEFAULT_TTL_MS, connectionStringIdParams, createConnectionStringBody, listQuery, regenerateStandingBody } from './schema.js';

export interface ConnectionStringView {
  id: string;
  kind: ConnectionStringDocument['kind'];
  zoneId: string | null;
  usesLeft: number;
  uses: number;
  expiresAt: string;
  revokedAt: string | null;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  state: 'active' | 'expired' | 'used-up' | 'revoked';
}

export function presentConnectionString(token: ConnectionStringDocument, now = new Date()): ConnectionStringView {
  const state =
    token.revokedAt !== null ? 'revoked' : token.expiresAt <= now ? 'expired' : token.usesLeft <= 0 ? 'used-up' : 'active';
  return {
    id: token._id,
    kind: token.kind,
    zoneId: token.zoneId,
    usesLeft: token.usesLeft,
    uses: token.uses,
    expiresAt: token.expiresAt.toISOString(),
    revokedAt: token.revokedAt?.toISOString() ?? null,
    createdAt: token.createdAt.toISOString(),
    createdBy: token.createdBy.name,
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    state,
  };
}

export function enrollmentRoutes(context: ConsoleContext, store: ConnectionStringStore): ApiRouter {
  const routes = new DescribedRouter(context.apiRoutes, '/connection-strings', 'Connection strings');
  const permission = 'enrollment:manage';

  function addresses(): ConsoleAddress[] {
    const port = context.services.get('sensorLink').port();
    return context.config.publicHosts.flatMap((host) => {
      const parsed = parseAddress(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
      return parsed ? [parsed] : [];
    });
  }

  function render(token: ConnectionStringDocument, secret: string): { connectionString: string } & ConnectionStringView {
    const connectionString = encodeConnectionString({
      addresses: addresses(),
      tokenId: token._id,
      secret,
      caPin: context.ca.publicKeyPin,
      expiresAt: token.expiresAt,
    });
    return { connectionString, ...presentConnectionString(token) };
  }

  async function audited(req: Request, action: string, token: ConnectionStringDocument): Promise<void> {
    await context.services.get('audit').record({
      ...auditContextOf(req),
      action,
      target: { kind: 'connectionString', id: token._id, name: token.kind },
      outcome: 'success',
      after: presentConnectionString(token),
    });
  }

  function creator(req: Request): { id: string | null; name: string } {
    const actor = auditContextOf(req).actor;
    return { id: actor.id, name: actor.name };
  }

  routes.route(
    { method: 'post', path: '/', summary: 'Create a single-use connection string (shown once)', permission, body: createConnectionStringBody, status: 201 },
    async ({ body }, req) => {
      // A string pre-assigned to a zone that does not exist would enrol its sensor nowhere: refuse it now.
      if (body.zoneId) {
        const zone = await context.services.get('placements').ofZone(body.zoneId);
        if (!zone) throw new AppError('validation_failed', 'The connection string names a zone that does not exist.', { problems: [{ path: 'zoneId', message: `no zone has the id ${body.zoneId}` }] });
        scopeOf(req)?.require(zone, `Zone ${body.zoneId}`);
      } else {
        // An Unassigned sensor is outside every scope (see README, scopes).
        scopeOf(req)?.require(null, 'An Unassigned sensor');
      }
      const { token, secret } = await store.create({
        kind: 'single-use',
        zoneId: body.zoneId ?? null,
        ttlMs: body.ttlSeconds === undefined ? DEFAULT_TTL_MS : body.ttlSeconds * 1000,
        createdBy: creator(req),
      });
      await audited(req, 'connection-string.created', token);
      return render(token, secret);
    },
  );

  routes.route(
    { method: 'get', path: '/standing', summary: 'The standing multi-use connection string (created on demand)', permission },
    async (_input, req) => {
      requireUnscoped(req, 'Standing connection strings (they enrol Unassigned sensors)');
      const current = await store.currentStanding();
      const secret = current ? store.openStandingSecret(current) : null;
      if (current && secret !== null) return render(current, secret);
      const { token, secret: fresh } = await store.create({ kind: 'standing', zoneId: null, ttlMs: DEFAULT_TTL_MS, createdBy: creator(req) });
      await audited(req, 'connection-string.created', token);
      return render(token, fresh);
    },
  );

  routes.route(
    { method: 'post', path: '/standing/regenerate', summary: 'Revoke the standing connection string and make a new one', permission, body: regenerateStandingBody },
    async ({ body }, req) => {
      requireUnscoped(req, 'Standing connection strings (they enrol Unassigned sensors)');
      const revoked = await store.revokeStanding();
      const { token, secret } = await store.create({
        kind: 'standing',
        zoneId: null,
        ttlMs: body.ttlSeconds === undefined ? DEFAULT_TTL_MS : body.ttlSeconds * 1000,
        createdBy: creator(req),
      });
      await context.services.get('audit').record({
        ...auditContextOf(req),
        action: 'connection-string.regenerated',
        target: { kind: 'connectionString', id: token._id, name: token.kind },
        outcome: 'success',
        reason: `${revoked} earlier standing string${revoked === 1 ? '' : 's'} revoked`,
      });
      return render(token, secret);
    },
  );

  routes.route(
    { method: 'get', path: '/', summary: 'Recent connection strings (no secrets)', permission, query: listQuery },
    async ({ query }) => ({
      connectionStrings: (await store.list(query.limit ?? 100)).map((token) => presentConnectionString(token)),
    }),
  );

  routes.route(
    { method: 'delete', path: '/:id', summary: 'Revoke a connection string', permission, params: connectionStringIdParams, status: 204 },
    async ({ params }, req) => {
      const token = await store.revoke(params.id);
      if (!token) {
        const existing = await store.find(params.id);
        if (!existing) throw new AppError('not_found', `No connection string with id ${params.id}.`);
        return undefined;
      }
      await audited(req, 'connection-string.revoked', token);
      return undefined;
    },
  );

  return routes.apiRouter();
}
