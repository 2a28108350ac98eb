import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { healthRoutes } from './health-routes.js';

export function createHealthModule(context: ConsoleContext): ConsoleModule {
  return {
    name: 'health',
    apiRouters: [{ path: '/health', router: healthRoutes({ components: context.components, version: context.version, startedAt: context.startedAt }) }],
  };
}
