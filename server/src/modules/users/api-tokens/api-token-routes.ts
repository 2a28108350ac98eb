/**
 * /api/v1/api-tokens: API tokens, admins only ('users:manage').
 *   GET    /       list (no secrets)
 *   POST   /       create → { token, apiToken }: `token` is shown this once (201)
 *   DELETE /:id    revoke (the record stays, for the list and the audit trail)
 */
import { principalOf } from '../../../http/auth.js';
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import { auditContextOf } from '../../audit/audit-request.js';
import { presentApiToken } from './api-token-presenter.js';
import type { ApiTokenService } from './api-token-service.js';
import { apiTokenIdParams, createApiTokenBody } from './schema.js';

export function apiTokenRoutes(catalogue: ApiRouteCatalogue, tokens: ApiTokenService): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/api-tokens', 'API tokens');
  const permission = 'users:manage';

  routes.route({ method: 'get', path: '/', summary: 'Every API token, without secrets', permission }, async () => {
    const now = new Date();
    return { apiTokens: (await tokens.list()).map((token) => presentApiToken(token, now)) };
  });

  routes.route(
    { method: 'post', path: '/', summary: 'Create an API token; the token is in this answer only', permission, body: createApiTokenBody, status: 201 },
    async ({ body }, req, res) => {
      const created = await tokens.create(body, principalOf(req), auditContextOf(req));
      // The secret must not linger in caches or history.
      res.setHeader('cache-control', 'no-store');
      return { token: created.token, apiToken: presentApiToken(created.record) };
    },
  );

  routes.route(
    { method: 'delete', path: '/:id', summary: 'Revoke an API token (the record stays)', permission, params: apiTokenIdParams },
    async ({ params }, req) => presentApiToken(await tokens.revoke(params.id, auditContextOf(req))),
  );

  return routes.apiRouter();
}
