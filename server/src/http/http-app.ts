/**
 * The express application behind the HTTPS listener: security headers, JSON
 * bodies (bounded), the API routers under /api/v1, one 404 for unknown API paths
 * and the one error handler. Routers come from the modules; this file knows none
 * of them by name.
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Logger } from '../platform/logger.js';
import { securityHeaders } from './security-headers.js';
import { apiNotFound, errorHandler } from './error-handler.js';

export interface ApiRouter {
  /** Mount path below /api/v1, e.g. `/sensors`. */
  path: string;
  router: Router;
}

export interface HttpAppOptions {
  logger: Logger;
  apiRouters: ApiRouter[];
  /** Runs before every API router: authentication (sets req.principal), rate limits. */
  apiMiddleware?: RequestHandler[];
  /** Outside /api/v1, after it: the web console's files and its page fallback. */
  webHandlers?: RequestHandler[];
  /** Largest JSON body accepted; uploads (certificates, backups) use their own limits. */
  jsonLimit?: string;
}

export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(securityHeaders());

  const api = express.Router();
  api.use(express.json({ limit: options.jsonLimit ?? '256kb', strict: true, type: ['application/json', 'application/*+json'] }));
  for (const middleware of options.apiMiddleware ?? []) api.use(middleware);
  for (const { path, router } of options.apiRouters) api.use(path, router);
  api.use(apiNotFound);

  app.use('/api/v1', api);
  for (const handler of options.webHandlers ?? []) app.use(handler);
  app.use(errorHandler(options.logger));
  return app;
}
