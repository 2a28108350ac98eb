/**
 * SSH keys for the CLI, mounted at /api/v1/users:
 *   GET    /me/ssh-keys                  your keys (any signed-in user)
 *   POST   /me/ssh-keys                  add { publicKey } (201)
 *   DELETE /me/ssh-keys/:keyId           remove (204)
 *   GET    /:userId/ssh-keys             another user's keys ('users:manage')
 *   POST   /:userId/ssh-keys             add one for them
 *   DELETE /:userId/ssh-keys/:keyId      remove one of theirs
 * Keys are public, so they are shown in full only as type, fingerprint and comment.
 */
import { principalOf } from '../../http/auth.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import { auditContextOf } from '../../modules/audit/audit-request.js';
import { addSshKeyBody, ownSshKeyParams, userSshKeyParams, userSshKeysParams } from './schema.js';
import { presentSshKey, type SshKeyService } from './ssh-key-service.js';

export function sshKeyRoutes(catalogue: ApiRouteCatalogue, keys: SshKeyService): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/users', 'SSH keys');
  // Every role has 'console:read': it stands for "signed in" here, as on /auth/me.
  const own = 'console:read';
  const others = 'users:manage';

  routes.route({ method: 'get', path: '/me/ssh-keys', summary: 'Your SSH keys for the CLI', permission: own }, async (_input, req) => ({
    sshKeys: (await keys.list(principalOf(req).userId)).map(presentSshKey),
  }));
  routes.route(
    { method: 'post', path: '/me/ssh-keys', summary: 'Register an SSH public key for CLI sign-in', permission: own, body: addSshKeyBody, status: 201 },
    async ({ body }, req) => presentSshKey(await keys.add(principalOf(req).userId, body.publicKey, auditContextOf(req))),
  );
  routes.route(
    { method: 'delete', path: '/me/ssh-keys/:keyId', summary: 'Remove one of your SSH keys', permission: own, params: ownSshKeyParams, status: 204 },
    async ({ params }, req) => {
      await keys.remove(principalOf(req).userId, params.keyId, auditContextOf(req));
    },
  );

  routes.route({ method: 'get', path: '/:userId/ssh-keys', summary: "A user's SSH keys", permission: others, params: userSshKeysParams }, async ({ params }) => ({
    sshKeys: (await keys.list(params.userId)).map(presentSshKey),
  }));
  routes.route(
    { method: 'post', path: '/:userId/ssh-keys', summary: 'Register an SSH public key for a user', permission: others, params: userSshKeysParams, body: addSshKeyBody, status: 201 },
    async ({ params, body }, req) => presentSshKey(await keys.add(params.userId, body.publicKey, auditContextOf(req))),
  );
  routes.route(
    { method: 'delete', path: '/:userId/ssh-keys/:keyId', summary: "Remove a user's SSH key", permission: others, params: userSshKeyParams, status: 204 },
    async ({ params }, req) => {
      await keys.remove(params.userId, params.keyId, auditContextOf(req));
    },
  );

  return routes.apiRouter();
}
