/**
 * /api/v1/notifications: events (list/filter), forwarding rules (CRUD + test),
 * deliveries (list/filter + retry by hand), SMTP settings (get/put/test mail),
 * and the catalogues a client needs to build its forms.
 * Each route: permission → endpoint (validation) → service; changes are audited.
 */
import { Router, type Request } from 'express';
import { scopeOf } from '../../http/access-scope.js';
import { requirePermission } from '../../http/auth.js';
import { endpoint } from '../../http/endpoint.js';
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

export function notificationRoutes(service: NotificationsService, audit: AuditRecorder): Router {
  const router = Router();
  const read = requirePermission('notifications:read');
  const manage = requirePermission('notifications:manage');
  const record = (req: Request, entry: Omit<AuditEntry, 'actor' | 'sourceAddress'>) => audit({ ...auditContextOf(req), ...entry });

  router.get('/catalogue', read, endpoint({}, async () => ({
    severities: SEVERITIES,
    eventTypes: Object.entries(EVENT_CATALOGUE).map(([type, entry]) => ({ type, severity: entry.severity, label: entry.label, fields: entry.fields })),
    actionTypes: service.actions.list().map((actionType) => ({ type: actionType.type, label: actionType.label, secretFields: actionType.secretFields })),
  })));

  router.get('/events', read, endpoint({ query: eventsQuery }, async ({ query }, req) => {
    const { type, ...rest } = query;
    const events = await service.events.list({ ...rest, ...(type ? { types: type } : {}) });
    // A user with a site/zone scope sees only the events of its sites and zones (not console-wide ones).
    const scope = scopeOf(req);
    return { events: (scope ? events.filter((event) => scope.covers(event)) : events).map(presentEvent) };
  }));

  router.get('/events/:id', read, endpoint({ params: idParams }, async ({ params }, req) => {
    const event = await service.events.findById(params.id);
    if (!event) throw new AppError('not_found', `No system event with id "${params.id}".`);
    scopeOf(req)?.require(event, `System event ${params.id}`);
    return presentEvent(event);
  }));

  router.get('/rules', read, endpoint({}, async () => ({ rules: (await service.rules.list()).map((rule) => presentRule(rule, service.actions)) })));

  router.get('/rules/:id', read, endpoint({ params: ruleIdParams }, async ({ params }) => presentRule(await service.rules.get(params.id), service.actions)));

  router.post('/rules', manage, endpoint({ body: ruleInputSchema, status: 201 }, async ({ body }, req) => {
    const rule = presentRule(await service.rules.create(body), service.actions);
    await record(req, { action: 'notifications.rule-created', target: { kind: 'forwardingRule', id: rule.id, name: rule.name }, outcome: 'success', after: rule });
    return rule;
  }));

  router.put('/rules/:id', manage, endpoint({ params: ruleIdParams, body: ruleInputSchema }, async ({ params, body }, req) => {
    const before = presentRule(await service.rules.get(params.id), service.actions);
    const rule = presentRule(await service.rules.update(params.id, body), service.actions);
    await record(req, { action: 'notifications.rule-updated', target: { kind: 'forwardingRule', id: rule.id, name: rule.name }, outcome: 'success', before, after: rule });
    return rule;
  }));

  router.delete('/rules/:id', manage, endpoint({ params: ruleIdParams, status: 204 }, async ({ params }, req) => {
    const before = presentRule(await service.rules.get(params.id), service.actions);
    await service.rules.remove(params.id);
    await record(req, { action: 'notifications.rule-deleted', target: { kind: 'forwardingRule', id: before.id, name: before.name }, outcome: 'success', before });
    return undefined;
  }));

  router.post('/rules/:id/test', manage, endpoint({ params: ruleIdParams }, async ({ params }, req) => {
    const result = await service.testRule(params.id);
    await record(req, {
      action: 'notifications.rule-tested',
      target: { kind: 'forwardingRule', id: params.id, name: result.ruleName },
      outcome: result.results.every((entry) => entry.ok) ? 'success' : 'failure',
    });
    return result;
  }));

  router.get('/deliveries', read, endpoint({ query: deliveriesQuery }, async ({ query }) => ({
    deliveries: (await service.deliveries.list(query)).map(presentDelivery),
  })));

  router.post('/deliveries/:id/retry', manage, endpoint({ params: idParams }, async ({ params }, req) => {
    const delivery = presentDelivery(await service.retryDelivery(params.id));
    await record(req, { action: 'notifications.delivery-retried', target: { kind: 'delivery', id: delivery.id, name: delivery.target }, outcome: 'success' });
    return delivery;
  }));

  router.get('/smtp', read, endpoint({}, async () => (await service.smtp.view()) ?? { configured: false }));

  router.put('/smtp', manage, endpoint({}, async (_input, req) => {
    // The body is parsed here, after a masked password is swapped for the stored one.
    const raw = (req.body ?? {}) as Record<string, unknown>;
    const settings = parseOrThrow(smtpSettingsInput, await service.smtp.withStoredPassword(raw), 'request body');
    const before = await service.smtp.view();
    await service.smtp.save(settings);
    const after = await service.smtp.view();
    await record(req, { action: 'notifications.smtp-updated', target: { kind: 'setting', id: 'smtp', name: 'Mail server' }, outcome: 'success', before, after });
    return after;
  }));

  router.post('/smtp/test', manage, endpoint({ body: smtpTestBody }, async ({ body }) => service.sendTestMail(body.to)));

  return router;
}
