/**
 * Role × route matrix for the users (SSH keys included), auth, API token, audit
 * and notifications routes: every role gets exactly what http/permissions.ts
 * grants it, and nobody without credentials gets past authentication on
 * anything but the public routes. Every catalogued route of these modules must
 * be listed here (COVERED_PREFIXES), so a new one cannot slip past the matrix.
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

/** `documented`: the route's path in the OpenAPI document when it is not `path` with MISSING_ID as `{id}`. */
const ROUTES: { method: string; path: string; permission: Permission; body?: unknown; documented?: string }[] = [
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
  { method: 'GET', path: '/users/me/ssh-keys', permission: 'console:read' },
  { method: 'POST', path: '/users/me/ssh-keys', permission: 'console:read', body: {} },
  { method: 'DELETE', path: `/users/me/ssh-keys/${MISSING_ID}`, permission: 'console:read', documented: '/users/me/ssh-keys/{keyId}' },
  { method: 'GET', path: `/users/${MISSING_ID}/ssh-keys`, permission: 'users:manage', documented: '/users/{userId}/ssh-keys' },
  { method: 'POST', path: `/users/${MISSING_ID}/ssh-keys`, permission: 'users:manage', body: {}, documented: '/users/{userId}/ssh-keys' },
  { method: 'DELETE', path: `/users/${MISSING_ID}/ssh-keys/${MISSING_ID}`, permission: 'users:manage', documented: '/users/{userId}/ssh-keys/{keyId}' },
  { method: 'GET', path: '/audit', permission: 'audit:read' },
  // An unknown filter makes an allowed export a 400 (JSON) instead of an NDJSON download.
  { method: 'GET', path: '/audit/export?unknownFilter=1', permission: 'audit:read' },
  { method: 'GET', path: '/audit/verify', permission: 'audit:read' },
  { method: 'GET', path: '/notifications/catalogue', permission: 'notifications:read' },
  { method: 'GET', path: '/notifications/events', permission: 'notifications:read' },
  { method: 'GET', path: `/notifications/events/${MISSING_ID}`, permission: 'notifications:read' },
  { method: 'GET', path: '/notifications/rules', permission: 'notifications:read' },
  { method: 'POST', path: '/notifications/rules', permission: 'notifications:manage', body: {} },
  { method: 'GET', path: `/notifications/rules/${MISSING_ID}`, permission: 'notifications:read' },
  { method: 'PUT', path: `/notifications/rules/${MISSING_ID}`, permission: 'notifications:manage', body: {} },
  { method: 'DELETE', path: `/notifications/rules/${MISSING_ID}`, permission: 'notifications:manage' },
  { method: 'POST', path: `/notifications/rules/${MISSING_ID}/test`, permission: 'notifications:manage' },
  { method: 'GET', path: '/notifications/deliveries', permission: 'notifications:read' },
  { method: 'POST', path: `/notifications/deliveries/${MISSING_ID}/retry`, permission: 'notifications:manage' },
  { method: 'GET', path: '/notifications/smtp', permission: 'notifications:read' },
  { method: 'PUT', path: '/notifications/smtp', permission: 'notifications:manage', body: {} },
  { method: 'POST', path: '/notifications/smtp/test', permission: 'notifications:manage', body: {} },
];

/** Catalogue path prefixes whose every operation must be in ROUTES, so a new route of these modules cannot miss the matrix. */
const COVERED_PREFIXES = ['/api/v1/users', '/api/v1/api-tokens', '/api/v1/audit', '/api/v1/notifications'];

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

const openApiPathOf = (route: (typeof ROUTES)[number]) => `/api/v1${route.documented ?? route.path.split('?')[0]!.replace(MISSING_ID, '{id}')}`;

test('every route of these modules is in the OpenAPI document with its permission, and in this matrix', async () => {
  const document = await api<{ paths: Record<string, Record<string, { 'x-permission': string }>> }>(testConsole, 'GET', '/openapi.json');
  for (const route of ROUTES) {
    const openApiPath = openApiPathOf(route);
    assert.equal(document.body.paths[openApiPath]?.[route.method.toLowerCase()]?.['x-permission'], route.permission, `${route.method} ${openApiPath}`);
  }
  assert.equal(document.body.paths['/api/v1/auth/sign-in']?.post?.['x-permission'], 'public');
  const inMatrix = new Set(ROUTES.map((route) => `${route.method} ${openApiPathOf(route)}`));
  const catalogued = Object.entries(document.body.paths)
    .filter(([path]) => COVERED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)))
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
  assert.deepEqual(catalogued.filter((operation) => !inMatrix.has(operation)), [], 'every catalogued route of these modules is in the matrix');
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
