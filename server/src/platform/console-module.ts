/**
 * How a domain module plugs into the console. Each module exports
 * `create<Name>Module(context): ConsoleModule`; app.ts lists the factories in one
 * place, in start order (stop runs in reverse). Nothing else knows all modules.
 */
import type https from 'node:https';
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { Db } from 'mongodb';
import type { ConsoleConfig } from '../config/config-schema.js';
import type { ApiRouter } from '../http/http-app.js';
import type { ApiRouteCatalogue } from '../http/openapi.js';
import type { ConsoleCa } from '../modules/pki/console-ca.js';
import type { ComponentRegistry } from './components.js';
import type { EventBus } from './event-bus.js';
import type { JobKind, JobScheduler } from './jobs/job-scheduler.js';
import type { Logger } from './logger.js';
import type { SecretBox } from './secrets/secret-box.js';

/** Everything a module may use; built once the database, migrations and PKI are ready. */
export interface ConsoleContext {
  config: ConsoleConfig;
  logger: Logger;
  version: string;
  startedAt: Date;
  /** `host:pid`, unique per running console process (job locks, presence leases). */
  instanceName: string;
  /** mongoose connection for models: `context.connection.model(...)`, never the mongoose global. */
  connection: Connection;
  /** The same database through the driver, for bulk writes and jobs. */
  db: Db;
  components: ComponentRegistry;
  events: EventBus;
  scheduler: JobScheduler;
  secretBox: SecretBox;
  ca: ConsoleCa;
  /** Another module's service, looked up by name after all modules were created. */
  services: ServiceRegistry;
  /** Every API route's method, path, permission and schemas (http/openapi.ts): the OpenAPI document and the role × route test read it. */
  apiRoutes: ApiRouteCatalogue;
}

export interface ConsoleModule {
  name: string;
  apiRouters?: ApiRouter[];
  /** Runs before every API router, for every module's routes (authentication). */
  apiMiddleware?: RequestHandler[];
  /** Served outside /api/v1 after the API (the web console's files); the API's error handler still applies. */
  webHandlers?: RequestHandler[];
  jobKinds?: JobKind[];
  /** Called once the HTTPS server exists, before it listens (the browsers' live-update socket attaches here). */
  attach?(server: https.Server): void;
  /** When the HTTPS server stops taking work, before it closes: end long-lived connections (browser sockets) so closing does not wait for them. */
  detach?(): void;
  /** After every module was created and the scheduler is ready, before listeners open. */
  start?(): Promise<void>;
  /** After listeners stopped taking work and jobs drained, before the database closes. */
  stop?(): Promise<void>;
}

/**
 * Modules publish the services other modules call (the audit trail, the fleet)
 * under a typed name: augment `ConsoleServices` in the module that provides one.
 *   declare module '../../platform/console-module.js' { interface ConsoleServices { audit: AuditTrail } }
 */
export interface ConsoleServices {}

export class ServiceRegistry {
  private readonly services = new Map<keyof ConsoleServices, unknown>();

  provide<Name extends keyof ConsoleServices>(name: Name, service: ConsoleServices[Name]): void {
    if (this.services.has(name)) throw new Error(`Service "${String(name)}" is provided twice`);
    this.services.set(name, service);
  }

  get<Name extends keyof ConsoleServices>(name: Name): ConsoleServices[Name] {
    if (!this.services.has(name)) throw new Error(`Service "${String(name)}" is not provided by any module`);
    return this.services.get(name) as ConsoleServices[Name];
  }
}
