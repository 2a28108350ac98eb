/**
 * /api/v1/users: console users, admins only ('users:manage').
 *   GET    /                        list
 *   POST   /                        create (201)
 *   GET    /:id                     one user
 *   PATCH  /:id                     display name, role, scope, disabled
 *   POST   /:id/reset-password      set a password the owner must change at next sign-in
 *   DELETE /:id                     delete (not yourself, not the last admin)
 */
import type { ApiRouter } from '../../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../../http/openapi.js';
import { auditContextOf } from '../../audit/audit-request.js';
import { presentUser } from './user-presenter.js';
import type { UsersService } from './users-service.js';
import { createUserBody, resetPasswordBody, updateUserBody, userIdParams } from './schema.js';

export function usersRoutes(catalogue: ApiRouteCatalogue, users: UsersService): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/users', 'Users');
  const permission = 'users:manage';

  routes.route({ method: 'get', path: '/', summary: 'Every console user', permission }, async () => ({ users: (await users.list()).map(presentUser) }));

  routes.route(
    { method: 'post', path: '/', summary: 'Create a user (who must change the password at first sign-in)', permission, body: createUserBody, status: 201 },
    async ({ body }, req) => presentUser(await users.create(body, auditContextOf(req))),
  );

  routes.route({ method: 'get', path: '/:id', summary: 'One user', permission, params: userIdParams }, async ({ params }) => presentUser(await users.get(params.id)));

  routes.route(
    { method: 'patch', path: '/:id', summary: 'Change display name, role, scope or disabled', permission, params: userIdParams, body: updateUserBody },
    async ({ params, body }, req) => presentUser(await users.update(params.id, body, auditContextOf(req))),
  );

  routes.route(
    { method: 'post', path: '/:id/reset-password', summary: 'Set a password the owner must change; ends their sessions', permission, params: userIdParams, body: resetPasswordBody },
    async ({ params, body }, req) => presentUser(await users.resetPassword(params.id, body.newPassword, auditContextOf(req))),
  );

  routes.route(
    { method: 'delete', path: '/:id', summary: 'Delete a user (not yourself, not the last admin)', permission, params: userIdParams, status: 204 },
    async ({ params }, req) => {
      await users.delete(params.id, auditContextOf(req));
    },
  );

  return routes.apiRouter();
}
