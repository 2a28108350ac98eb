/**
 * The one error handler: every error becomes `{ error: { code, message, details } }`.
 * Known errors (AppError) keep their status and sentence; body-parser failures
 * become 400/413/415 with a sentence; anything else is a 500 whose details are
 * logged, never sent (no stack traces or internals reach a client).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof error === 'object' && error !== null && 'type' in error && typeof (error as { type: unknown }).type === 'string';
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isBodyParserError(error)) {
    switch (error.type) {
      case 'entity.parse.failed':
        return new AppError('bad_request', 'The request body is not valid JSON.');
      case 'entity.too.large':
        return new AppError('payload_too_large', `The request body is larger than the ${error.limit ?? ''} bytes allowed.`.replace('  ', ' '));
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON.');
      default:
        if (error.status && error.status >= 400 && error.status < 500) {
          return new AppError('bad_request', 'The request body could not be read.');
        }
    }
  }
  return new AppError('internal', 'Something went wrong inside the console; the error is in its log.', undefined, { cause: error });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    const context = { method: req.method, path: req.path, code: appError.code };
    if (appError.code === 'internal') logger.error({ ...context, err: error }, 'request failed');
    else logger[appError.logLevel](context, appError.message);
    res.status(appError.status).json(appError.toBody());
  };
}

export const apiNotFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `There is no API endpoint ${req.method} ${req.path}.`));
};
