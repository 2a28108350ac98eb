/**
 * The notifications module on its own, for flow tests: a real embedded database
 * (FerretDB) in a temporary data directory, the real event bus, secret box and
 * audit trail, the module's routes behind a stand-in principal (the users
 * module's sign-in is exercised by notifications-api.test.ts through a whole
 * console), and test timing for the outbox worker so no test waits for real
 * backoff. `restart()` stops everything and starts again on the same data
 * directory, like a killed console coming back.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { RequestHandler } from 'express';
import { migrations } from '../../migrations/index.js';
import { createHttpApp } from '../../server/src/http/http-app.js';
import { ApiRouteCatalogue } from '../../server/src/http/openapi.js';
import { AuditTrail, AUDIT_COLLECTION } from '../../server/src/modules/audit/audit-trail.js';
import { createNotificationsModule, type NotificationsOptions } from '../../server/src/modules/notifications/notifications-module.js';
import type { NotificationsService } from '../../server/src/modules/notifications/notifications-service.js';
import { ServiceRegistry, type ConsoleModule } from '../../server/src/platform/console-module.js';
import { openDatabase, type Database } from '../../server/src/platform/database/database.js';
import { EventBus } from '../../server/src/platform/event-bus.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { loadMasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import { MigrationRunner } from '../../server/src/platform/migrations/migration-runner.js';

export interface Harness {
  dataDir: string;
  events: EventBus;
  service: NotificationsService;
  database: Database;
  baseUrl: string;
  logs: string[];
  api<Body = unknown>(method: string, url: string, body?: unknown): Promise<{ status: number; body: Body }>;
  restart(options?: NotificationsOptions): Promise<Harness>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export const FAST_TIMING = { pollIntervalMs: 50, backoffBaseMs: 50, backoffMaxMs: 200, leaseMs: 5_000, sendTimeoutMs: 5_000 };

const adminPrincipal: RequestHandler = (req, _res, next) => {
  req.principal = { kind: 'session', userId: 'test-admin', username: 'admin', role: 'admin', scope: null, credentialId: 'test' };
  next();
};

export async function startHarness(options: NotificationsOptions = {}, existing?: { dataDir: string; logs: string[] }): Promise<Harness> {
  const dataDir = existing?.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'garrison-notifications-')));
  const logs = existing?.logs ?? [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logs.push(...chunk.toString('utf8').split('\n').filter((line) => line.length > 0));
        callback();
      },
    }),
  });
  const masterKey = await loadMasterKey({ keyFile: path.join(dataDir, 'master.key'), createIfMissing: true });
  const database = await openDatabase({ dataDir, logger });
  await new MigrationRunner(database.db, migrations, logger).up();
  const events = new EventBus(logger);
  const services = new ServiceRegistry();
  services.provide('audit', new AuditTrail(database.db.collection(AUDIT_COLLECTION), logger));
  const module: ConsoleModule = createNotificationsModule(
    { logger, db: database.db, events, secretBox: new SecretBox(masterKey), services, instanceName: `test:${randomBytes(3).toString('hex')}`, version: '0.1.0-test', apiRoutes: new ApiRouteCatalogue() },
    { consoleName: 'garrison-test', ...options, timing: { ...FAST_TIMING, ...options.timing } },
  );
  await module.start?.();
  const app = createHttpApp({ logger, apiMiddleware: [adminPrincipal], apiRouters: module.apiRouters ?? [] });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/notifications`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await module.stop?.();
    await database.close();
  };
  return {
    dataDir,
    events,
    service: services.get('notifications'),
    database,
    baseUrl,
    logs,
    async api<Body>(method: string, url: string, body?: unknown) {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as Body };
    },
    async restart(next = options) {
      await stop();
      return startHarness(next, { dataDir, logs });
    },
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Another console instance on the same database (its own worker, bus and
 * instance name), to prove several instances share the outbox.
 */
export async function startSecondInstance(harness: Harness): Promise<{ service: NotificationsService; stop(): Promise<void> }> {
  const logger = createLogger({ level: 'silent' });
  const masterKey = await loadMasterKey({ keyFile: path.join(harness.dataDir, 'master.key'), createIfMissing: false });
  const services = new ServiceRegistry();
  services.provide('audit', new AuditTrail(harness.database.db.collection(AUDIT_COLLECTION), logger));
  const module = createNotificationsModule(
    { logger, db: harness.database.db, events: new EventBus(logger), secretBox: new SecretBox(masterKey), services, instanceName: `second:${randomBytes(3).toString('hex')}`, version: '0.1.0-test', apiRoutes: new ApiRouteCatalogue() },
    { consoleName: 'garrison-test-2', timing: FAST_TIMING },
  );
  await module.start?.();
  return { service: services.get('notifications'), stop: async () => module.stop?.() };
}

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** A throwaway CA with a server certificate for 127.0.0.1/localhost and a client certificate (openssl CLI). */
export async function makeTlsMaterial(directory: string): Promise<TlsMaterial> {
  const file = (name: string) => path.join(directory, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Garrison Test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  for (const [name, subject, extension] of [
    ['server', '/CN=localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth'],
    ['client', '/CN=garrison-console', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
  }
  const read = (name: string) => readFile(file(name), 'utf8');
  return { caPem: await read('ca.pem'), certPem: await read('server.pem'), keyPem: await read('server.key'), clientCertPem: await read('client.pem'), clientKeyPem: await read('client.key') };
}
