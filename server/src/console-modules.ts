/**
 * Every domain module, in start order (stop runs in reverse). Adding a module
 * is one line here.
 */
import type { ConsoleContext, ConsoleModule } from './platform/console-module.js';
import { createHealthModule } from './modules/health/health-module.js';
import { createHousekeepingModule } from './modules/housekeeping/housekeeping-module.js';

export function createModules(context: ConsoleContext): ConsoleModule[] {
  return [createHealthModule(context), createHousekeepingModule(context)];
}
