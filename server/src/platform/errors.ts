/**
 * The errors catalogue: every error a caller can see has a stable code, an HTTP
 * status and a log level. Throw `new AppError('sensor_not_found', 'No sensor with id …')`
 * anywhere; the one HTTP error handler (and the CLI, and the link) turn it into
 * `{ error: { code, message, details } }`.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

interface CatalogueEntry {
  status: number;
  logLevel: LogLevel;
}

export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, logLevel: 'info' },
  bad_request: { status: 400, logLevel: 'info' },
  unauthenticated: { status: 401, logLevel: 'info' },
  forbidden: { status: 403, logLevel: 'info' },
  csrf_failed: { status: 403, logLevel: 'warn' },
  not_found: { status: 404, logLevel: 'info' },
  method_not_allowed: { status: 405, logLevel: 'info' },
  conflict: { status: 409, logLevel: 'info' },
  stale_revision: { status: 409, logLevel: 'info' },
  gone: { status: 410, logLevel: 'info' },
  payload_too_large: { status: 413, logLevel: 'info' },
  unsupported_media_type: { status: 415, logLevel: 'info' },
  unprocessable: { status: 422, logLevel: 'info' },
  locked_out: { status: 429, logLevel: 'warn' },
  rate_limited: { status: 429, logLevel: 'warn' },
  internal: { status: 500, logLevel: 'error' },
  dependency_unavailable: { status: 503, logLevel: 'warn' },
  busy: { status: 503, logLevel: 'info' },
  timeout: { status: 504, logLevel: 'warn' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem with one input field, e.g. `{ path: 'ntp.servers.0', message: 'Not an IP address or host name' }`. */
export interface FieldProblem {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get logLevel(): LogLevel {
    return ERROR_CATALOGUE[this.code].logLevel;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
