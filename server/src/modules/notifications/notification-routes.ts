/**
 * /api/v1/notifications: events (list/filter), forwarding rules (CRUD + test),
 * deliveries (list/filter + retry by hand), SMTP settings (get/put/test mail),
 * and the catalogues a client needs to build its forms. Every route is described
 * in the route catalogue (OpenAPI, fuzz and role × route tests); changes are audited.
 *
 * Site/zone scope: a scoped user sees only the events of its sites and zones
 * (filtered in the query, so a page holds `limit` events when there are that
 * many). Forwarding rules, deliveries and the mail server are console-wide
 * configuration (a rule may match every site's events, a delivery carries any
 * site's event), so they need a user without a scope: 403 naming why otherwise.
 */
import type { Request } from 'express';
import { requireUnscoped, scopeOf } from '../../http/access-scope.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';
import { AppError } from '../../platform/errors.js';
import { parseOrThrow } from '../../platform/validation.js';
import { auditContextOf } from '../audit/audit-request.js';
import type { AuditEntry } from '../audit/audit-trail.js';
import { smtpSettingsInput } from './actions/smtp-settings.js';
import { EVENT_CATALOGUE, SEVERITIES } from './events/event-catalogue.js';
import { presentEvent } from './events/event-presenter.js';
import type { NotificationsService } from './notifications-service.js';
import { presentDelivery, presentRule } from './rules/rule-presenter.js';
import { ruleIdParams, ruleInputSchema } from './rules/rule-schema.js';
import { deliveriesQuery, eventsQuery, idParams, smtpTestBody } from './schema.js';

export type AuditRecorder = (entry: AuditEntry) => Promise<void>;

const FORWARDING = 'Forwarding rules, deliveries and the mail server';

export function notificationRoutes(catalogue: ApiRouteCatalogue, service: NotificationsService, audit: AuditRecorder): ApiRouter {
  const routes = new DescribedRouter(catalogue, '/notifications', 'Notifications');
  const record = (req: Request, entry: Omit<AuditEntry, 'actor' | 'sourceAddress'>) => audit({ ...auditContextOf(req), ...entry });
  const forwardingOnly = (req: Request) => requireUnscoped(req, FORWARDING);

  routes.route({ method: 'get', path: '/catalogue', summary: 'Event types, severities and action types (for building forms)', permission: 'notifications:read' }, async () => ({
    severities: SEVERITIES,
    eventTypes: Object.entries(EVENT_CATALOGUE).map(([type, entry]) => ({ type, severity: entry.severity, label: entry.label, fields: entry.fields })),
    actionTypes: service.actions.list().map((actionType) => ({ type: actionType.type, label: actionType.label, secretFields: actionType.secretFields })),
  }));

  routes.route(
    { method: 'get', path: '/events', summary: 'System events, newest first, filtered (only those of the user’s scope)', permission: 'notifications:read', query: eventsQuery },
    async ({ query }, req) => {
      const { type, ...rest } = query;
      const scope = scopeOf(req);
      const events = await service.events.list({
        ...rest,
        ...(type ? { types: type } : {}),
        ...(scope ? { within: { siteIds: [...scope.siteIds], zoneIds: [...scope.zoneIds] } } : {}),
      });
      return { events: events.map(presentEvent) };
    },
  );

  routes.route({ method: 'get', path: '/events/:id', summary: 'One system event', permission: 'notifications:read', params: idParams }, async ({ params }, req) => {
    const event = await service.events.findById(params.id);
    if (!event) throw new AppError('not_found', `No system event with id "${params.id}".`);
    scopeOf(req)?.require(event, `System event ${params.id}`);
    return presentEvent(event);
  });

  routes.route({ method: 'get', path: '/rules', summary: 'Forwarding rules (secrets masked)', permission: 'notifications:read' }, async (_input, req) => {
    forwardingOnly(req);
    return { rules: (await service.rules.list()).map((rule) => presentRule(rule, service.actions)) };
  });

  routes.route({ method: 'get', path: '/rules/:id', summary: 'One forwarding rule (secrets masked)', permission: 'notifications:read', params: ruleIdParams }, async ({ params }, req) => {
    forwardingOnly(req);
    return presentRule(await service.rules.get(params.id), service.actions);
  });

  routes.route(
    { method: 'post', path: '/rules', summary: 'Create a forwarding rule', permission: 'notifications:manage', body: ruleInputSchema, status: 201 },
    async ({ body }, req) => {
      forwardingOnly(req);
      const rule = presentRule(await service.rules.create(body), service.actions);
      await record(req, { action: 'notifications.rule-created', target: { kind: 'forwardingRule', id: rule.id, name: rule.name }, outcome: 'success', after: rule });
      return rule;
    },
  );

  routes.route(
    { method: 'put', path: '/rules/:id', summary: 'Replace a forwarding rule (masked secrets keep their stored value)', permission: 'notifications:manage', params: ruleIdParams, body: ruleInputSchema },
    async ({ params, body }, req) => {
      forwardingOnly(req);
      const before = presentRule(await service.rules.get(params.id), service.actions);
      const rule = presentRule(await service.rules.update(params.id, body), service.actions);
      await record(req, { action: 'notifications.rule-updated', target: { kind: 'forwardingRule', id: rule.id, name: rule.name }, outcome: 'success', before, after: rule });
      return rule;
    },
  );

  routes.route(
    { method: 'delete', path: '/rules/:id', summary: 'Delete a forwarding rule', permission: 'notifications:manage', params: ruleIdParams, status: 204 },
    async ({ params }, req) => {
      forwardingOnly(req);
      const before = presentRule(await service.rules.get(params.id), service.actions);
      await service.rules.remove(params.id);
      await record(req, { action: 'notifications.rule-deleted', target: { kind: 'forwardingRule', id: before.id, name: before.name }, outcome: 'success', before });
      return undefined;
    },
  );

  routes.route(
    { method: 'post', path: '/rules/:id/test', summary: 'Send a test event through each action of a rule now', permission: 'notifications:manage', params: ruleIdParams },
    async ({ params }, req) => {
      forwardingOnly(req);
      const result = await service.testRule(params.id);
      await record(req, {
        action: 'notifications.rule-tested',
        target: { kind: 'forwardingRule', id: params.id, name: result.ruleName },
        outcome: result.results.every((entry) => entry.ok) ? 'success' : 'failure',
      });
      return result;
    },
  );

  routes.route(
    { method: 'get', path: '/deliveries', summary: 'Delivery records, filtered (status, failing, event, rule)', permission: 'notifications:read', query: deliveriesQuery },
    async ({ query }, req) => {
      forwardingOnly(req);
      return { deliveries: (await service.deliveries.list(query)).map(presentDelivery) };
    },
  );

  routes.route(
    { method: 'post', path: '/deliveries/:id/retry', summary: 'Retry a failed or dead delivery now', permission: 'notifications:manage', params: idParams },
    async ({ params }, req) => {
      forwardingOnly(req);
      const delivery = presentDelivery(await service.retryDelivery(params.id));
      await record(req, { action: 'notifications.delivery-retried', target: { kind: 'delivery', id: delivery.id, name: delivery.target }, outcome: 'success' });
      return delivery;
    },
  );

  routes.route({ method: 'get', path: '/smtp', summary: 'The mail server for email actions (password masked)', permission: 'notifications:read' }, async (_input, req) => {
    forwardingOnly(req);
    return (await service.smtp.view()) ?? { configured: false };
  });

  routes.route(
    { method: 'put', path: '/smtp', summary: 'Set the mail server (a masked password keeps the stored one)', permission: 'notifications:manage', body: smtpSettingsInput },
    async ({ body }, req) => {
      forwardingOnly(req);
      // A masked password ('••••', as GET shows it) stands for the stored one.
      const settings = parseOrThrow(smtpSettingsInput, await service.smtp.withStoredPassword(body), 'request body');
      const before = await service.smtp.view();
      await service.smtp.save(settings);
      const after = await service.smtp.view();
      await record(req, { action: 'notifications.smtp-updated', target: { kind: 'setting', id: 'smtp', name: 'Mail server' }, outcome: 'success', before, after });
      return after;
    },
  );

  routes.route(
    { method: 'post', path: '/smtp/test', summary: 'Send a test mail through the stored mail server', permission: 'notifications:manage', body: smtpTestBody },
    async ({ body }, req) => {
      forwardingOnly(req);
      return service.sendTestMail(body.to);
    },
  );

  return routes.apiRouter();
}
