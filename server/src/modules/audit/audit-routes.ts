/**
 * /api/v1/audit: read, export and verify the audit trail ('audit:read').
 *   GET /          filtered pages, newest first: { records, nextBefore }
 *   GET /export    every matching record, oldest first, as NDJSON (one record a line)
 *   GET /verify    { valid, checked, firstBrokenSequence? }
 *
 * The trail is console-wide (users, settings, sign-ins of every site, chained
 * together so that no part can be verified alone), so a user with a site/zone
 * scope is refused (403 naming why) rather than shown a filtered, unverifiable part.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { requireUnscoped } from '../../http/access-scope.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import type { Logger } from '../../platform/logger.js';
import type { AuditQueries } from './audit-queries.js';
import { presentAuditRecord } from './audit-presenter.js';
import { auditContextOf } from './audit-request.js';
import type { AuditTrail } from './audit-trail.js';
import { exportAuditQuery, listAuditQuery } from './schema.js';

export function auditRoutes(catalogue: ApiRouteCatalogue, queries: AuditQueries, audit: AuditTrail, logger: Logger): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/audit', 'Audit');
  const wholeConsoleOnly = (req: Request) => requireUnscoped(req, 'Audit records');

  routes.route(
    { method: 'get', path: '/', summary: 'Audit records, newest first, filtered and paged', permission: 'audit:read', query: listAuditQuery },
    async ({ query }, req) => {
      wholeConsoleOnly(req);
      const { limit, before, ...filter } = query;
      const page = await queries.page(filter, { limit, ...(before === undefined ? {} : { before }) });
      return { records: page.records.map(presentAuditRecord), nextBefore: page.nextBefore };
    },
  );

  routes.route(
    { method: 'get', path: '/export', summary: 'Every matching audit record, oldest first, as NDJSON', permission: 'audit:read', query: exportAuditQuery },
    async ({ query: filter }, req, res) => {
      wholeConsoleOnly(req);
      // Taking a copy of the trail is itself worth a record.
      await audit.record({ ...auditContextOf(req), action: 'audit.exported', target: null, outcome: 'success', after: { filter } });
      res.status(200);
      res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="garrison-audit-${new Date().toISOString().slice(0, 10)}.ndjson"`);
      const records = queries.export(filter);
      const lines = Readable.from(
        (async function* () {
          for await (const record of records) yield `${JSON.stringify(presentAuditRecord(record))}\n`;
        })(),
      );
      try {
        await pipeline(lines, res);
      } catch (error) {
        // The headers are gone: the client sees a cut-off download; the log says why.
        logger.warn({ err: error }, 'audit export stopped before the end');
        res.destroy();
      }
      return undefined;
    },
  );

  routes.route(
    { method: 'get', path: '/verify', summary: 'Check the hash chain: { valid, checked, firstBrokenSequence? }', permission: 'audit:read' },
    async (_input, req) => {
      wholeConsoleOnly(req);
      return queries.verify();
    },
  );

  return routes.apiRouter();
}
