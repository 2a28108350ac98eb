/**
 * Role × route matrix for the users, auth, API token and audit routes: every
 * role gets exactly what http/permissions.ts grants it, and nobody without
 * credentials gets past authentication on anything but the public routes.
 *
 * Allowed calls are made harmless on purpose (an empty body that fails
 * validation, an id that does not exist), since the permission check runs
 * before validation: "allowed" means any answer but 401/403.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { roleAllows, type Permission, type Role } from '../../server/src/http/permissions.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';

const MISSING_ID = '0123456789abcdef01234567';

const ROUTES: { method: string; path: string; permission: Permission; body?: unknown }[] = [
  { method: 'GET', path: '/auth/me', permission: 'console:read' },
  { method: 'POST', path: '/auth/change-password', permission: 'console:read', body: {} },
  { method: 'GET', path: '/auth/lockout-policy', permission: 'users:manage' },
  { method: 'PUT', path: '/auth/lockout-policy', permission: 'users:manage', body: {} },
  { method: 'GET', path: '/users', permission: 'users:manage' },
  { method: 'POST', path: '/users', permission: 'users:manage', body: {} },
  { method: 'GET', path: `/users/${MISSING_ID}`, permission: 'users:manage' },
  { method: 'PATCH', path: `/users/${MISSING_ID}`, permission: 'users:manage', body: {} },
  { method: 'POST', path: `/users/${MISSING_ID}/reset-password`, permission: 'users:manage', body: {} },
  { method: 'DELETE', path: `/users/${MISSING_ID}`, permission: 'users:manage' },
  { method: 'GET', path: '/api-tokens', permission: 'users:manage' },
  { method: 'POST', path: '/api-tokens', permission: 'users:manage', body: {} },
  { method: 'DELETE', path: `/api-tokens/${MISSING_ID}`, permission: 'users:manage' },
  { method: 'GET', path: '/audit', permission: 'audit:read' },
  // An unknown filter makes an allowed export a 400 (JSON) instead of an NDJSON download.
  { method: 'GET', path: '/audit/export?unknownFilter=1', permission: 'audit:read' },
  { method: 'GET', path: '/audit/verify', permission: 'audit:read' },
];

let testConsole: TestConsole;
const sessions = new Map<Role, SignedIn>();

before(async () => {
  testConsole = await startTestConsole();
  sessions.set('admin', await signInAsAdmin(testConsole));
  sessions.set('security-analyst', await signInAs(testConsole, 'security-analyst'));
  sessions.set('read-only', await signInAs(testConsole, 'read-only'));
});
after(() => testConsole.destroy());

for (const role of ['admin', 'security-analyst', 'read-only'] as const) {
  test(`${role}: each route answers as the permission table says`, async () => {
    const session = sessions.get(role)!;
    for (const route of ROUTES) {
      const response = await api(testConsole, route.method, route.path, { headers: session.headers, body: route.body });
      const label = `${role} ${route.method} ${route.path} → ${response.status} ${response.text.slice(0, 120)}`;
      if (roleAllows(role, route.permission)) {
        assert.ok(![401, 403].includes(response.status), label);
      } else {
        assert.equal(response.status, 403, label);
        assert.equal((response.body as { error: { code: string } }).error.code, 'forbidden', label);
      }
    }
  });
}

test('every route of this module is in the OpenAPI document with its permission', async () => {
  const document = await api<{ paths: Record<string, Record<string, { 'x-permission': string }>> }>(testConsole, 'GET', '/openapi.json');
  for (const route of ROUTES) {
    const openApiPath = `/api/v1${route.path.split('?')[0]!.replace(MISSING_ID, '{id}')}`;
    assert.equal(document.body.paths[openApiPath]?.[route.method.toLowerCase()]?.['x-permission'], route.permission, `${route.method} ${openApiPath}`);
  }
  assert.equal(document.body.paths['/api/v1/auth/sign-in']?.post?.['x-permission'], 'public');
});

test('without credentials every non-public route answers 401, unknown paths included', async () => {
  for (const route of [...ROUTES, { method: 'POST', path: '/auth/sign-out' }, { method: 'GET', path: '/no-such-thing' }]) {
    const response = await api(testConsole, route.method, route.path, { body: 'body' in route ? route.body : undefined });
    assert.equal(response.status, 401, `${route.method} ${route.path}`);
  }
  assert.equal((await api(testConsole, 'GET', '/health')).status, 200);
  const signedIn = await api(testConsole, 'GET', '/no-such-thing', { headers: sessions.get('read-only')!.headers });
  assert.equal(signedIn.status, 404, 'signed in, an unknown path is a plain 404');
  assert.equal((await api(testConsole, 'POST', '/auth/sign-in', { body: {} })).status, 400, 'sign-in is public (the body is what is wrong)');
});
