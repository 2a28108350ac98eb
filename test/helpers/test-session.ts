/**
 * Signed-in requests for integration tests.
 *
 *   const admin = await signInAsAdmin(testConsole);
 *   await request(`${testConsole.baseUrl}/api/v1/sites`, { method: 'POST', body, headers: admin.headers, ca: testConsole.caPem });
 *
 *   const analyst = await signInAs(testConsole, 'security-analyst');   // a fresh user with that role
 *   const script = await createApiToken(testConsole, 'read-only');     // bearer headers
 *
 *   const users = await api(testConsole, 'GET', '/users', { headers: admin.headers });   // request() below /api/v1
 *
 * `headers` carries the session cookie and the CSRF token, so it works for GET
 * and for POST/PUT/PATCH/DELETE alike. Each call signs in anew (a new session);
 * keep the result for the whole test rather than calling again per request.
 *
 * The first call on a console handles the first admin's forced password change:
 * it reads `<dataDir>/initial-admin-password` (or GARRISON_ADMIN_PASSWORD), signs
 * in, and sets TEST_ADMIN_PASSWORD. Failed sign-ins lock 127.0.0.1 out after five
 * tries, so a test that exercises lockout should use a console of its own.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Role } from '../../server/src/http/permissions.js';
import { request, type HttpResponse } from './https-client.js';
import type { TestConsole } from './test-console.js';

/** The first admin's password once signInAsAdmin has changed it. */
export const TEST_ADMIN_PASSWORD = 'test-admin-password-0f3c9a';

export interface SignedIn {
  /** `garrison_session=…`, for a Cookie header. */
  cookie: string;
  csrfToken: string;
  /** `{ cookie, 'x-csrf-token' }`: pass as `headers` to request(). */
  headers: Record<string, string>;
  userId: string;
  username: string;
}

export interface ApiTokenHeaders {
  id: string;
  /** The full `gat_…` token. */
  token: string;
  /** `{ authorization: 'Bearer gat_…' }`: pass as `headers` to request(). */
  headers: Record<string, string>;
}

interface MeBody {
  user: { id: string; username: string };
  csrfToken: string;
  mustChangePassword: boolean;
}

/** Where a console answers: enough for the REST helpers (a test console or one in a child process). */
export type ConsoleAddress = Pick<TestConsole, 'baseUrl' | 'caPem'>;

/** request() to `/api/v1<path>` of the test console, trusting its CA. Resolves whatever the status. */
export function api<Body = unknown>(
  testConsole: ConsoleAddress,
  method: string,
  apiPath: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResponse<Body>> {
  return request<Body>(`${testConsole.baseUrl}/api/v1${apiPath}`, {
    method,
    ...(options.body === undefined ? {} : { body: options.body }),
    headers: options.headers ?? {},
    ca: testConsole.caPem,
  });
}

/** POST /auth/sign-in; resolves with the response whatever its status. */
export function postSignIn(testConsole: ConsoleAddress, username: string, password: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return request(`${testConsole.baseUrl}/api/v1/auth/sign-in`, { method: 'POST', body: { username, password }, headers, ca: testConsole.caPem });
}

/** Signs in with a known password and, when the user must change it, changes it to `newPassword`. */
export async function signIn(testConsole: ConsoleAddress, username: string, password: string, newPassword?: string): Promise<SignedIn> {
  const response = await postSignIn(testConsole, username, password);
  if (response.status !== 200) throw new Error(`sign-in as ${username} failed: ${response.status} ${response.text}`);
  let session = sessionFrom(response);
  if ((response.body as MeBody).mustChangePassword) {
    if (!newPassword) throw new Error(`${username} must change their password; pass newPassword`);
    const changed = await request(`${testConsole.baseUrl}/api/v1/auth/change-password`, {
      method: 'POST',
      body: { currentPassword: password, newPassword },
      headers: session.headers,
      ca: testConsole.caPem,
    });
    if (changed.status !== 200) throw new Error(`password change for ${username} failed: ${changed.status} ${changed.text}`);
    session = { ...session, csrfToken: (changed.body as MeBody).csrfToken };
  }
  return session;
}

/** Which consoles' first admin already has TEST_ADMIN_PASSWORD (so no failed sign-in is wasted on the old one). */
const adminPasswordChanged = new WeakSet<TestConsole>();

export async function signInAsAdmin(testConsole: TestConsole): Promise<SignedIn> {
  if (!adminPasswordChanged.has(testConsole)) {
    const initial = testConsole.garrison.config.adminPassword ?? (await readInitialPassword(testConsole));
    if (initial !== null) {
      const session = await signIn(testConsole, 'admin', initial, TEST_ADMIN_PASSWORD);
      adminPasswordChanged.add(testConsole);
      return session;
    }
    adminPasswordChanged.add(testConsole);
  }
  return signIn(testConsole, 'admin', TEST_ADMIN_PASSWORD);
}

/** Creates a user with `role` (as the admin) and signs in as them, past the first password change. */
export async function signInAs(testConsole: TestConsole, role: Role): Promise<SignedIn> {
  const admin = await signInAsAdmin(testConsole);
  const username = `${role}-${randomBytes(4).toString('hex')}`;
  const initialPassword = `initial-${randomBytes(12).toString('hex')}`;
  const created = await request(`${testConsole.baseUrl}/api/v1/users`, {
    method: 'POST',
    body: { username, role, password: initialPassword },
    headers: admin.headers,
    ca: testConsole.caPem,
  });
  if (created.status !== 201) throw new Error(`creating a ${role} user failed: ${created.status} ${created.text}`);
  return signIn(testConsole, username, initialPassword, `changed-${randomBytes(12).toString('hex')}`);
}

/** An API token with `role`, created by the first admin, valid for `expiresInDays` (default 30). */
export async function createApiToken(testConsole: TestConsole, role: Role, expiresInDays = 30): Promise<ApiTokenHeaders> {
  const admin = await signInAsAdmin(testConsole);
  const response = await request<{ token: string; apiToken: { id: string } }>(`${testConsole.baseUrl}/api/v1/api-tokens`, {
    method: 'POST',
    body: { name: `test ${role} token`, role, expiresInDays },
    headers: admin.headers,
    ca: testConsole.caPem,
  });
  if (response.status !== 201) throw new Error(`creating an API token failed: ${response.status} ${response.text}`);
  return { id: response.body.apiToken.id, token: response.body.token, headers: { authorization: `Bearer ${response.body.token}` } };
}

/** The session cookie pair from a sign-in response's Set-Cookie header. */
export function sessionFrom(response: HttpResponse): SignedIn {
  const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((line) => line.split(';')[0] ?? '').find((pair) => pair.startsWith('garrison_session='));
  if (!cookie) throw new Error('the response set no garrison_session cookie');
  const body = response.body as MeBody;
  return {
    cookie,
    csrfToken: body.csrfToken,
    headers: { cookie, 'x-csrf-token': body.csrfToken },
    userId: body.user.id,
    username: body.user.username,
  };
}

async function readInitialPassword(testConsole: TestConsole): Promise<string | null> {
  try {
    return (await readFile(path.join(testConsole.dataDir, 'initial-admin-password'), 'utf8')).trim();
  } catch {
    return null;
  }
}
