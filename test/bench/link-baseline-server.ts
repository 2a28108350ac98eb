/**
 * The bare baseline for link-bench.ts: a minimal socket.io server over the same
 * mutual TLS as the console's link port (the console's CA and server
 * certificate, TLS policy, socket.io path, namespace, transport and ping
 * settings) with no application logic: no handshake cap, no database lookup,
 * no presence. It only greets each socket with a `link:welcome` so the real
 * LinkClient counts itself linked. Garrison / baseline then says what the
 * console's own work costs, on whatever machine the bench runs.
 *
 *   link-baseline-server.ts <console data dir> <link port>
 *
 * Answers on its IPC channel like link-bench-console.ts: { kind: 'memory' } →
 * { rssBytes, heapUsedBytes } after a full GC; { kind: 'stop' } → exits; sends
 * { kind: 'ready' } once listening.
 *
 * `listenBaselineLink` is the server alone, for other baselines that measure
 * it differently (soak-baseline-server.ts); run as a script, this file is the
 * link bench's baseline above.
 */
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketIoServer, type Namespace } from 'socket.io';
import { z } from 'zod';
import { LINK_NAMESPACE, LINK_SOCKET_PATH } from '../../sensor-link/src/protocol/link-protocol.js';
import { loadOrCreateConsoleCa } from '../../server/src/modules/pki/console-ca.js';
import { loadOrIssueServerCertificate } from '../../server/src/modules/pki/server-certificate.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { TLS_POLICY } from '../../server/src/platform/tls-policy.js';
import { loadMasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import { memoryAnswer } from './bench-process.js';

export interface BaselineLinkOptions {
  /** A console's data directory (its CA and server certificate; the master key beside it). */
  dataDir: string;
  linkPort: number;
  /** What the welcome tells each LinkClient: how often to send a health report. */
  healthIntervalMs?: number;
  /**
   * Acknowledge health reports as the console does (without storing anything), so a LinkClient's traffic is the
   * same against both. The link bench's own baseline leaves them unanswered: it measures linking, not heartbeats.
   */
  answerHealth?: boolean;
}

export interface BaselineLink {
  server: https.Server;
  io: SocketIoServer;
  /** The link namespace: each socket there has been greeted with a `link:welcome` already. */
  links: Namespace;
  /** Stops listening and drops every connection. */
  close(): void;
}

/** Listens on the link port with the console's mutual TLS and greets every socket; nothing more. */
export async function listenBaselineLink(options: BaselineLinkOptions): Promise<BaselineLink> {
  const { dataDir } = options;
  const logger = createLogger({ level: 'silent' });
  const masterKey = await loadMasterKey({ keyFile: path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), createIfMissing: false });
  const secretBox = new SecretBox(masterKey);
  const ca = await loadOrCreateConsoleCa({ dataDir, secretBox, logger });
  const serverCertificate = await loadOrIssueServerCertificate({ dataDir, ca, hosts: ['127.0.0.1', 'localhost'], secretBox, logger });

  const server = https.createServer({
    ...TLS_POLICY,
    key: serverCertificate.privateKeyPem,
    cert: serverCertificate.certificatePem + serverCertificate.chainPem,
    ca: ca.certificatePem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const io = new SocketIoServer(server, { path: LINK_SOCKET_PATH, transports: ['websocket'], serveClient: false, pingInterval: 10_000, pingTimeout: 15_000, perMessageDeflate: false });
  const healthIntervalMs = options.healthIntervalMs ?? 30_000;
  const links = io.of(LINK_NAMESPACE);
  links.on('connection', (socket) => {
    socket.emit('link:welcome', { sensorId: 'baseline', sensorName: 'baseline', zoneId: null, consoleTime: new Date().toISOString(), healthIntervalMs });
    if (!options.answerHealth) return;
    socket.on('health:report', (_report: unknown, ack: unknown) => {
      if (typeof ack === 'function') ack({ data: { consoleTime: new Date().toISOString(), clockSkewMs: 0 } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.linkPort, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    io,
    links,
    close() {
      void io.close();
      server.closeAllConnections();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const requestSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('memory') }), z.strictObject({ kind: z.literal('stop'), removeData: z.boolean().optional() })]);
  const [dataDir = '', linkPort = ''] = process.argv.slice(2);
  const baseline = await listenBaselineLink({ dataDir, linkPort: Number(linkPort) });
  let sockets = 0;
  baseline.links.on('connection', (socket) => {
    sockets += 1;
    socket.on('disconnect', () => {
      sockets -= 1;
    });
  });
  process.send?.({ kind: 'ready' });

  process.on('disconnect', () => process.exit(1));
  process.on('message', (raw) => {
    const request = requestSchema.safeParse(raw);
    if (!request.success) return process.send?.({ kind: 'error', message: 'unknown request' });
    if (request.data.kind === 'stop') {
      baseline.close();
      process.exit(0);
    }
    process.send?.({ ...memoryAnswer(), sockets });
  });
}
