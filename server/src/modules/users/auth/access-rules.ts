/**
 * Which API routes need no principal, and which a user who must change their
 * password may still use. Routes are `METHOD /path` below /api/v1, compared
 * after lower-casing and dropping a trailing slash (express matches routes
 * case-insensitively and ignores a trailing slash, so the lists must too).
 * Anything not listed here needs a principal: the authentication middleware
 * refuses it with 401 before any router runs, and every router names the
 * permission it needs on top of that.
 */

/** The only routes anybody may call without signing in. Adding one is a security decision: say why. */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set([
  'GET /health', // load balancers and monitoring; states only, no configuration
  'POST /auth/sign-in', // how a principal comes to exist
  'GET /pki/crl', // sensors and TLS clients fetch revocations without an account
  'GET /openapi.json', // the API description: routes, schemas and permissions, no data
]);

/** What a user whose password must be changed may still do: see who they are, change it, leave. */
export const PASSWORD_CHANGE_ROUTES: ReadonlySet<string> = new Set([
  'GET /auth/me',
  'POST /auth/change-password',
  'POST /auth/sign-out',
  'POST /auth/sign-out-everywhere',
]);

export const STATE_CHANGING_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function routeKey(method: string, path: string): string {
  const verb = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return `${verb} ${trimmed.toLowerCase() || '/'}`;
}

export function isPublicRoute(method: string, path: string): boolean {
  return PUBLIC_ROUTES.has(routeKey(method, path));
}

/**
 * The catalogue (http/openapi.ts) says which routes are meant to be public; this
 * allow-list says which ones authentication lets through. Checked at start, so a
 * route marked public but not listed (it would answer 401) or listed but marked
 * with a permission (its guard would refuse anyway) stops the console with the
 * route named, instead of surfacing as a puzzling 401 later.
 */
export function publicRouteMismatches(catalogued: readonly { method: string; path: string; permission: string }[]): string[] {
  const problems: string[] = [];
  for (const route of catalogued) {
    const key = routeKey(route.method, route.path);
    if (route.permission === 'public' && !PUBLIC_ROUTES.has(key)) {
      problems.push(`${key} is described as public but is not in PUBLIC_ROUTES (modules/users/auth/access-rules.ts)`);
    }
    if (route.permission !== 'public' && PUBLIC_ROUTES.has(key)) {
      problems.push(`${key} is in PUBLIC_ROUTES but requires '${route.permission}'`);
    }
  }
  return problems;
}
