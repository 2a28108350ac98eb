/**
 * The composition root: `createConsole(config)` builds every part of the console
 * and returns `{ start, stop }`. Nothing here runs at import. main.ts and the
 * tests are the only callers.
 *
 * Start order: secrets → database → migrations → PKI → scheduler → modules →
 * listeners. Stop order is the reverse in spirit: stop intake (listeners), drain
 * jobs, stop modules (closes sensor links), close the database, stop its child.
 */
import { mkdir } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { DestinationStream } from 'pino';
import { migrations } from '../../migrations/index.js';
import type { ConsoleConfig } from './config/config-schema.js';
import { createHttpApp } from './http/http-app.js';
import { ApiRouteCatalogue } from './http/openapi.js';
import { loadOrCreateConsoleCa } from './modules/pki/console-ca.js';
import { loadOrIssueServerCertificate } from './modules/pki/server-certificate.js';
import { ComponentRegistry } from './platform/components.js';
import { ServiceRegistry, type ConsoleContext, type ConsoleModule } from './platform/console-module.js';
import { createModules } from './console-modules.js';
import { openDatabase, type Database } from './platform/database/database.js';
import { EventBus } from './platform/event-bus.js';
import { JobScheduler } from './platform/jobs/job-scheduler.js';
import { createLogger, type Logger } from './platform/logger.js';
import { MigrationRunner } from './platform/migrations/migration-runner.js';
import { readPackageVersion } from './platform/package-version.js';
import { loadMasterKey } from './platform/secrets/master-key.js';
import { SecretBox } from './platform/secrets/secret-box.js';
import { TLS_POLICY } from './platform/tls-policy.js';

/** A module that takes longer than this to stop is named in the log (a planned restart is down time for every sensor). */
const SLOW_MODULE_STOP_MS = 1000;

export interface ConsoleDependencies {
  /** Where log lines go (standard output by default); tests capture them. */
  logDestination?: DestinationStream;
  /** Called when the console cannot go on (its database died for good); main.ts exits. */
  onFatal?: (reason: string) => void;
}

export interface ConsoleAddresses {
  httpsPort: number;
  /** The sensor link port (enrolment + /link), opened by the link module. */
  linkPort: number;
  /** The SSH admin CLI port, opened by the cli module. */
  sshPort: number;
  /** The SNMP agent's UDP port, opened by the snmp module. */
  snmpPort: number;
}

export interface GarrisonConsole {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  readonly components: ComponentRegistry;
  readonly events: EventBus;
  start(): Promise<ConsoleAddresses>;
  stop(): Promise<void>;
  /** Only after start(): the open database, for tests and tools. */
  database(): Database;
}

export function createConsole(config: ConsoleConfig, deps: ConsoleDependencies = {}): GarrisonConsole {
  const logger = createLogger({ level: config.logLevel, ...(deps.logDestination ? { destination: deps.logDestination } : {}) });
  const components = new ComponentRegistry();
  const events = new EventBus(logger);
  const version = readPackageVersion();
  const startedAt = new Date();
  const instanceName = `${os.hostname()}:${process.pid}`;

  components.onChange((change) => {
    events.publish('component.changed', change);
    const { current } = change;
    const level = current.state === 'down' ? 'error' : 'info';
    logger[level]({ component: current.name, state: current.state, detail: current.detail }, 'component state');
  });

  let database: Database | null = null;
  let scheduler: JobScheduler | null = null;
  let httpsServer: https.Server | null = null;
  let modules: ConsoleModule[] = [];
  let startedModules: ConsoleModule[] = [];
  let stopping: Promise<void> | null = null;

  async function start(): Promise<ConsoleAddresses> {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const masterKey = await loadMasterKey({ keyBase64: config.masterKey, keyFile: config.masterKeyFile, createIfMissing: true });
    const secretBox = new SecretBox(masterKey);

    components.set('database', 'starting');
    database = await openDatabase({ mongodbUri: config.mongodbUri, dataDir: config.dataDir, logger });
    watchDatabase(database);
    components.set('database', 'up', database.embedded ? 'embedded FerretDB' : 'MongoDB');

    const applied = await new MigrationRunner(database.db, migrations, logger).up();
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');

    const ca = await loadOrCreateConsoleCa({ dataDir: config.dataDir, secretBox, logger });
    const serverCertificate = await loadOrIssueServerCertificate({ dataDir: config.dataDir, ca, hosts: config.publicHosts, secretBox, logger });

    scheduler = new JobScheduler({ db: database.db, logger, components, instanceName });
    const context: ConsoleContext = {
      config,
      logger,
      version,
      startedAt,
      instanceName,
      connection: database.connection,
      db: database.db,
      components,
      events,
      scheduler,
      secretBox,
      ca,
      services: new ServiceRegistry(),
      apiRoutes: new ApiRouteCatalogue(),
    };
    modules = createModules(context);
    for (const module of modules) for (const kind of module.jobKinds ?? []) scheduler.register(kind);
    await scheduler.start();
    for (const module of modules) {
      await module.start?.();
      startedModules.push(module);
    }

    const app = createHttpApp({
      logger,
      apiMiddleware: modules.flatMap((module) => module.apiMiddleware ?? []),
      apiRouters: modules.flatMap((module) => module.apiRouters ?? []),
      webHandlers: modules.flatMap((module) => module.webHandlers ?? []),
    });
    httpsServer = https.createServer(
      { ...TLS_POLICY, key: serverCertificate.privateKeyPem, cert: serverCertificate.certificatePem + serverCertificate.chainPem },
      app,
    );
    for (const module of modules) module.attach?.(httpsServer);
    const httpsPort = await listen(httpsServer, config.httpsPort, config.bindAddress);
    components.set('web', 'up', `HTTPS on ${config.bindAddress}:${httpsPort}`);
    const linkPort = context.services.get('sensorLink').port();
    const sshPort = context.services.get('sshCli').port();
    const snmpPort = context.services.get('snmpAgent').port();
    logger.info({ version, httpsPort, linkPort, sshPort, snmpPort }, 'Garrison console started');
    return { httpsPort, linkPort, sshPort, snmpPort };
  }

  function watchDatabase(opened: Database): void {
    const embedded = opened.embedded;
    if (!embedded) return;
    embedded.on('down', (event) => components.set('database', 'down', event.reason));
    embedded.on('up', (event) => components.set('database', 'up', event.restarted ? 'embedded FerretDB (restarted)' : 'embedded FerretDB'));
    embedded.on('fatal', (event) => {
      components.set('database', 'down', event.error.message);
      logger.fatal({ reason: event.error.message }, 'the embedded database cannot be restarted; the console stops');
      deps.onFatal?.(event.error.message);
    });
  }

  async function stopOnce(): Promise<void> {
    const timeLimit = new Promise<void>((resolve) =>
      setTimeout(() => {
        logger.warn('shutdown time limit reached; forcing the remaining steps');
        resolve();
      }, config.shutdownTimeoutMs).unref(),
    );
    const ordered = (async () => {
      if (httpsServer) {
        const server = httpsServer;
        for (const module of modules) module.detach?.();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        components.set('web', 'stopped');
      }
      await scheduler?.drain(Math.max(1000, config.shutdownTimeoutMs - 5000));
      for (const module of [...startedModules].reverse()) {
        const moduleStartedStopping = performance.now();
        try {
          await module.stop?.();
          const ms = Math.round(performance.now() - moduleStartedStopping);
          if (ms >= SLOW_MODULE_STOP_MS) logger.warn({ module: module.name, ms }, 'module was slow to stop');
        } catch (error) {
          logger.error({ err: error, module: module.name }, 'module failed to stop cleanly');
        }
      }
      startedModules = [];
    })();
    await Promise.race([ordered, timeLimit]);
    if (database) {
      await database.close();
      components.set('database', 'stopped');
    }
    logger.info('Garrison console stopped');
  }

  return {
    config,
    logger,
    components,
    events,
    start,
    stop() {
      stopping ??= stopOnce();
      return stopping;
    },
    database() {
      if (!database) throw new Error('The console has not started');
      return database;
    },
  };
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
