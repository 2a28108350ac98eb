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
 */
import https from 'node:https';
import path from 'node:path';
import { Server as SocketIoServer } from 'socket.io';
import { z } from 'zod';
import { LINK_NAMESPACE, LINK_SOCKET_PATH } from '../../sensor-link/src/protocol/link-protocol.js';
import { loadOrCreateConsoleCa } from '../../server/src/modules/pki/console-ca.js';
import { loadOrIssueServerCertificate } from '../../server/src/modules/pki/server-certificate.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { TLS_POLICY } from '../../server/src/platform/tls-policy.js';
import { loadMasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import { memoryAnswer } from './bench-process.js';

const requestSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('memory') }), z.strictObject({ kind: z.literal('stop'), removeData: z.boolean().optional() })]);

const [dataDir = '', linkPort = ''] = process.argv.slice(2);
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
let sockets = 0;
io.of(LINK_NAMESPACE).on('connection', (socket) => {
  sockets += 1;
  socket.emit('link:welcome', { sensorId: 'baseline', sensorName: 'baseline', zoneId: null, consoleTime: new Date().toISOString(), healthIntervalMs: 30_000 });
  socket.on('disconnect', () => {
    sockets -= 1;
  });
});
await new Promise<void>((resolve) => server.listen(Number(linkPort), '127.0.0.1', resolve));
process.send?.({ kind: 'ready' });

process.on('disconnect', () => process.exit(1));
process.on('message', (raw) => {
  const request = requestSchema.safeParse(raw);
  if (!request.success) return process.send?.({ kind: 'error', message: 'unknown request' });
  if (request.data.kind === 'stop') {
    io.close();
    server.closeAllConnections();
    process.exit(0);
  }
  process.send?.({ ...memoryAnswer(), sockets });
});
