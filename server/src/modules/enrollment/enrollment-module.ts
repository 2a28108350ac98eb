/**
 * The enrollment module: connection strings (REST, 'enrollment:manage') and the
 * `enrollment` service the sensor link's POST /enroll/v1 calls.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { ConnectionStringStore } from './connection-string-store.js';
import { enrollmentRoutes } from './enrollment-routes.js';
import { EnrollmentService } from './enrollment-service.js';

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    enrollment: EnrollmentService;
  }
}

const SENSOR_CERTIFICATE_VALIDITY_DAYS = 90;

export function createEnrollmentModule(context: ConsoleContext): ConsoleModule {
  const store = new ConnectionStringStore(context.db, context.secretBox);
  context.services.provide(
    'enrollment',
    new EnrollmentService(context, store, {
      // Per source address and console instance (GARRISON_ENROLL_ATTEMPTS_PER_MINUTE, 20 by default).
      attemptsPerMinute: context.config.enrollAttemptsPerMinute,
      certificateValidityDays: SENSOR_CERTIFICATE_VALIDITY_DAYS,
    }),
  );
  return {
    name: 'enrollment',
    apiRouters: [enrollmentRoutes(context, store)],
  };
}
