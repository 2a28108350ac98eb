/**
 * The bare baseline of settings-push-bench.ts, in its own process: a minimal
 * socket.io server over the same mutual TLS as the console's link port (a
 * server certificate from the console CA, sensor certificates required), with
 * no database and no application logic. It welcomes each link like the
 * console does (so the real LinkClient counts as connected) and, on request,
 * emits one `settings:apply` with acknowledgement to every connected sensor.
 *   settings-push-baseline.ts <console data dir>
 * Sends { kind: 'ready', port }, then answers:
 *   { kind: 'connected' }                        → { kind: 'connected', count }
 *   { kind: 'push', revision, settings, timeoutMs }
 *       → { kind: 'pushed', startedAt, ackedAt: epoch ms[], failed, cpuMicros }
 *   { kind: 'memory' }                           → { kind: 'memory', rssBytes, heapUsedBytes } after a full GC
 *   { kind: 'stop' }                             → exits
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { LINK_NAMESPACE, LINK_SOCKET_PATH } from '../../sensor-link/src/protocol/link-protocol.js';
import { generateRsaKeyPair, issueCertificate } from '../../server/src/modules/pki/certificate-builder.js';
import { loadOrCreateConsoleCa } from '../../server/src/modules/pki/console-ca.js';
import { createLogger } from '../../server/src/platform/logger.js';
import { loadMasterKey } from '../../server/src/platform/secrets/master-key.js';
import { SecretBox } from '../../server/src/platform/secrets/secret-box.js';
import { TLS_POLICY } from '../../server/src/platform/tls-policy.js';
import { answerRequests, epochMs, memoryAnswer, send } from './bench-process.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('connected') }),
  z.strictObject({ kind: z.literal('push'), revision: z.number(), settings: z.unknown(), timeoutMs: z.number() }),
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('stop') }),
]);

const [dataDir = ''] = process.argv.slice(2);
const masterKey = await loadMasterKey({ keyFile: path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), createIfMissing: false });
const ca = await loadOrCreateConsoleCa({ dataDir, secretBox: new SecretBox(masterKey), logger: createLogger({ level: 'silent' }) });
const keys = await generateRsaKeyPair(2048);
const { pem } = await issueCertificate({
  subject: [{ name: 'commonName', value: 'bare baseline' }],
  publicKey: keys.publicKey,
  usage: 'tls-server',
  subjectAltNames: [{ type: 'ip', value: '127.0.0.1' }],
  lifetimeDays: 1,
  issuer: ca,
});
const server = https.createServer({
  ...TLS_POLICY,
  key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  cert: pem,
  ca: ca.certificatePem,
  requestCert: true,
  rejectUnauthorized: true,
});
const io = new Server(server, { path: LINK_SOCKET_PATH, transports: ['websocket'] });
const sockets = new Set<Socket>();
io.of(LINK_NAMESPACE).on('connection', (socket) => {
  sockets.add(socket);
  socket.on('disconnect', () => sockets.delete(socket));
  socket.emit('link:welcome', { sensorId: socket.id, sensorName: 'baseline', zoneId: null, consoleTime: new Date().toISOString(), healthIntervalMs: 3_600_000 });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
send({ kind: 'ready', port: (server.address() as AddressInfo).port });
process.on('disconnect', () => process.exit(1));

async function push(revision: number, settings: unknown, timeoutMs: number) {
  const cpuBefore = process.cpuUsage();
  const startedAt = epochMs();
  const ackedAt: number[] = [];
  let failed = 0;
  await Promise.all(
    [...sockets].map(async (socket) => {
      try {
        const answer = (await socket.timeout(timeoutMs).emitWithAck('settings:apply', { revision, settings })) as { data?: { revision?: number } };
        if (answer.data?.revision === revision) ackedAt.push(epochMs());
        else failed += 1;
      } catch {
        failed += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { kind: 'pushed', startedAt, ackedAt, failed, cpuMicros: cpu.user + cpu.system };
}

answerRequests(requestSchema, async (request) => {
  switch (request.kind) {
    case 'connected':
      return send({ kind: 'connected', count: sockets.size });
    case 'push':
      return send(await push(request.revision, request.settings, request.timeoutMs));
    case 'memory':
      return send(memoryAnswer());
    case 'stop':
      io.close();
      process.exit(0);
  }
});
