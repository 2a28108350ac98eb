/**
 * Cross-site request forgery defences for cookie sessions, on top of the
 * SameSite=Strict cookie (which old or misconfigured browsers may not honour):
 *
 * 1. Origin: a state-changing request whose Origin header is present must come
 *    from the console's own origin, `https://<Host header>`. Browsers send Origin
 *    on every cross-origin POST, so a forged form post from another site fails
 *    here, sign-in included (login CSRF).
 * 2. Token: a state-changing request made with a session cookie must carry the
 *    session's CSRF token in `x-csrf-token`. Another site can make a browser
 *    send the cookie but cannot read the token (it comes from /auth/me or the
 *    sign-in response, which cross-origin pages cannot read).
 * API tokens travel in a header no other site can make a browser send, so
 * bearer requests need neither check.
 */
import { timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';

/** A sentence saying why the Origin is refused, or null when it is absent or ours. */
export function originProblem(origin: string | undefined, host: string | undefined): string | null {
  if (origin === undefined) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = null;
  }
  if (!parsed || parsed.protocol !== 'https:' || !host || parsed.host !== normalizeHost(host)) {
    return `This request comes from another site (${origin.slice(0, 100)}) and was refused to protect your session.`;
  }
  return null;
}

/** 'Console.example:443' → 'console.example', as URL.host writes it, so the two compare. */
function normalizeHost(host: string): string | null {
  try {
    return new URL(`https://${host}`).host;
  } catch {
    return null;
  }
}

export function csrfTokenMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const MISSING_CSRF_TOKEN = `This request must carry the session's CSRF token in the ${CSRF_HEADER} header (it is in the sign-in response and in GET /api/v1/auth/me).`;
