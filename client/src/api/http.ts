/**
 * The one way the client talks to the REST API: same origin, JSON, the session
 * cookie (sent by the browser) and the CSRF token on every state-changing
 * request. Errors arrive as ApiError with the server's field problems, so forms
 * can show each one beside its field.
 */
import type { ErrorBody, FieldProblem } from './payloads';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message for one field (`name`, `settings.ntp.servers.0.address`), if the server named it. */
  problemAt(path: string): string | undefined {
    return this.problems.find((problem) => problem.path === path)?.message;
  }
}

let csrfToken: string | null = null;
let onUnauthenticated: () => void = () => undefined;

/** Kept from the sign-in, change-password and /auth/me answers. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended elsewhere (timeout, sign-out, admin). */
export function onSessionEnded(handler: () => void): void {
  onUnauthenticated = handler;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<Result>(method: Method, path: string, body?: unknown): Promise<Result> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', 'The console cannot be reached. Check the network connection, then try again.', []);
  }
  if (response.status === 204) return undefined as Result;
  const text = await response.text();
  const parsed: unknown = text.length > 0 ? safeJson(text) : undefined;
  if (response.ok) return parsed as Result;
  const error = errorOf(response.status, parsed);
  // /auth/* answers are handled by their callers (a failed sign-in is not a session that ended).
  if (response.status === 401 && !path.startsWith('/auth/')) onUnauthenticated();
  throw error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(status: number, body: unknown): ApiError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  if (!error) return new ApiError(status, 'unknown', `The console answered ${status}. Try again; if it persists, check the console's log.`, []);
  const details = error.details as { problems?: FieldProblem[] } | undefined;
  return new ApiError(status, error.code, error.message, Array.isArray(details?.problems) ? details.problems : []);
}

/** Query-string from an object, leaving out empty values. */
export function queryString(values: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text.length > 0 ? `?${text}` : '';
}
