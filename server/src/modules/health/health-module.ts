import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { openApiRouter } from '../../http/openapi.js';
import { healthRoutes } from './health-routes.js';

export function createHealthModule(context: ConsoleContext): ConsoleModule {
  return {
    name: 'health',
    apiRouters: [
      healthRoutes({ components: context.components, version: context.version, startedAt: context.startedAt, apiRoutes: context.apiRoutes }),
      // The API description is public like health, and built per request so every module's routes are in it.
      openApiRouter(context.apiRoutes, context.version),
    ],
  };
}
