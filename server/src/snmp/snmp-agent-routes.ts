/**
 * /api/v1/snmp-agent ('system:manage'):
 *   GET  /   who may query the agent (secrets masked)
 *   PUT  /   replace it; applied to the running agent at once, audited
 */
import { principalOf } from '../http/auth.js';
import type { ApiRouter } from '../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../http/openapi.js';
import { auditContextOf } from '../modules/audit/audit-request.js';
import type { AuditTrail } from '../modules/audit/audit-trail.js';
import { snmpAgentSettingsBody, type SnmpAgentSettingsStore } from './snmp-agent-settings.js';

export interface SnmpAgentRoutesDeps {
  catalogue: ApiRouteCatalogue;
  store: SnmpAgentSettingsStore;
  audit: () => AuditTrail;
  /** Re-reads the settings into the running agent. */
  apply: () => Promise<void>;
}

export function snmpAgentRoutes(deps: SnmpAgentRoutesDeps): ApiRouter {
  const routes = new DescribedRouter(deps.catalogue, '/snmp-agent', 'SNMP agent');
  routes.route({ method: 'get', path: '/', summary: 'Who may query the SNMP agent (secrets masked)', permission: 'system:manage' }, async () => deps.store.view());
  routes.route(
    { method: 'put', path: '/', summary: 'Replace the SNMP agent community, v3 users and allowed managers (applied at once)', permission: 'system:manage', body: snmpAgentSettingsBody },
    async ({ body }, req) => {
      const before = await deps.store.view();
      await deps.store.save(body, principalOf(req).username);
      await deps.apply();
      const after = await deps.store.view();
      await deps.audit().record({
        ...auditContextOf(req),
        action: 'snmp-agent.updated',
        target: { kind: 'snmpAgent', id: 'agent', name: 'SNMP agent' },
        outcome: 'success',
        reason: `revision ${after.revision}`,
        before,
        after,
      });
      return after;
    },
  );
  return routes.apiRouter();
}
