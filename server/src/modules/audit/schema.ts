/**
 * Request schemas of the audit API. Query strings arrive as strings; numbers and
 * times are coerced here, and unknown parameters are refused.
 */
import { z } from 'zod';

const ACTION_FILTER = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*(\.\*)?$/;

const time = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2025-01-31T08:00:00Z' }).transform((value) => new Date(value));

export const auditFilterQuery = {
  action: z.string().regex(ACTION_FILTER, "must be an action such as 'user.updated', or an area such as 'user.*'").optional(),
  actor: z.string().min(1).max(200).optional(),
  targetKind: z.string().min(1).max(64).optional(),
  target: z.string().min(1).max(200).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  from: time.optional(),
  to: time.optional(),
};

export const listAuditQuery = z.strictObject({
  ...auditFilterQuery,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `nextBefore` of the previous page. */
  before: z.coerce.number().int().min(1).optional(),
});
export type ListAuditQuery = z.output<typeof listAuditQuery>;

export const exportAuditQuery = z.strictObject(auditFilterQuery);
export type ExportAuditQuery = z.output<typeof exportAuditQuery>;
