/**
 * `GET /api/v1/health`: the console's overall state and each component's.
 * Unauthenticated on purpose (load balancers and monitoring poll it), so it
 * carries states and sentences only, never configuration or secrets. Answers
 * 200 when everything is up and 503 otherwise, so a plain HTTP check works.
 */
import type { ComponentRegistry } from '../../platform/components.js';
import type { ApiRouter } from '../../http/http-app.js';
import { DescribedRouter, type ApiRouteCatalogue } from '../../http/openapi.js';

export interface HealthDependencies {
  components: ComponentRegistry;
  version: string;
  startedAt: Date;
  apiRoutes: ApiRouteCatalogue;
}

export function healthRoutes(deps: HealthDependencies): ApiRouter {
  const routes = new DescribedRouter(deps.apiRoutes, '/health', 'Health');
  routes.route(
    { method: 'get', path: '/', summary: "The console's overall state and each component's (503 unless all are up)", permission: 'public' },
    async (_input, _req, res) => {
      const status = deps.components.overall();
      res.status(status === 'up' ? 200 : 503);
      return {
        status,
        version: deps.version,
        startedAt: deps.startedAt.toISOString(),
        uptimeSeconds: Math.round((Date.now() - deps.startedAt.getTime()) / 1000),
        components: deps.components.list().map((component) => ({
          name: component.name,
          state: component.state,
          since: component.since.toISOString(),
          detail: component.detail,
        })),
      };
    },
  );
  return routes.apiRouter();
}
