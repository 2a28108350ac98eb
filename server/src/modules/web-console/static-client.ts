/**
 * Serves the built web client (client/dist) from `/`: hashed files under
 * /assets/ are cached for a year (their names change with their content);
 * index.html is never cached, so a new console version is picked up at the next
 * load. Every other GET outside /api that names no file gets index.html, so the
 * client's routes (/sensors/…) survive a reload.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** From the sources (server/src/modules/web-console) and from the compiled build (dist/server/src/…). */
const CANDIDATE_ROOTS = [path.resolve(HERE, '../../../../client/dist'), path.resolve(HERE, '../../../../../client/dist')];

export function findClientRoot(): string | null {
  return CANDIDATE_ROOTS.find((root) => existsSync(path.join(root, 'index.html'))) ?? null;
}

const MISSING_BUILD = 'The web console is not built. Run `npm run build:client` (npm start does it when needed), then reload.';

export function staticClient(root: string | null): RequestHandler[] {
  const isPageRequest: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/')) return next();
    if (root === null) {
      res.status(503).type('text/plain').send(MISSING_BUILD);
      return;
    }
    next();
  };
  if (root === null) return [isPageRequest];

  const files = express.static(root, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders(res, filePath) {
      const hashed = path.relative(root, filePath).startsWith(`assets${path.sep}`);
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const indexFile = path.join(root, 'index.html');
  const spaFallback: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/')) return next();
    // A missing hashed asset is an old page asking for a file the new build no longer has: a 404, not HTML.
    if (req.path.startsWith('/assets/')) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(indexFile);
  };
  return [isPageRequest, files, spaFallback];
}
