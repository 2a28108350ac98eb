/**
 * The link port: one HTTPS listener for enrolment and the `/link` socket.io
 * namespace.
 *
 * One TLS context with `requestCert: true, rejectUnauthorized: false`, rather
 * than two ports or two contexts: an enrolling sensor has no certificate yet
 * and must reach POST /enroll/v1 on the same address it will later link to
 * (the connection string carries one port). The handshake therefore completes
 * without a certificate, and this file refuses everything else from a peer
 * that is not `authorized` (chain to the console CA, in validity): other HTTP
 * paths get 403 and the socket is closed; the socket.io upgrade is refused in
 * `allowRequest`, before any socket.io handshake, and the namespace
 * middleware then maps the certificate to a sensor.
 *
 * Reconnect storms: TLS handshakes in progress are counted from the TCP
 * `connection` to `secureConnection` (or close); beyond `maxHandshakes` a new
 * TCP connection is closed at once, which costs nothing and makes the sensor
 * back off (full jitter), so the storm spreads out and converges.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Server as SocketIoServer } from 'socket.io';
import { ENROLLMENT_PATH } from '../../../sensor-link/src/protocol/enrollment-messages.js';
import {
  LINK_NAMESPACE,
  LINK_SOCKET_PATH,
  type ConsoleToSensorEvents,
  type SensorToConsoleEvents,
} from '../../../sensor-link/src/protocol/link-protocol.js';
import type { ServerCertificate } from '../modules/pki/server-certificate.js';
import type { ConsoleContext } from '../platform/console-module.js';
import { AppError, isAppError } from '../platform/errors.js';
import { TLS_POLICY } from '../platform/tls-policy.js';
import { normalizeAddress } from '../modules/audit/audit-request.js';
import { EnrollmentGate } from './enrollment-gate.js';
import type { LinkNamespace, LinkSocketData } from './link-namespace.js';
import { peerIdentity } from './peer-certificate.js';
import type { LinkSettings } from './link-settings.js';

type LinkIoServer = SocketIoServer<SensorToConsoleEvents, ConsoleToSensorEvents, Record<string, never>, LinkSocketData>;

const MAX_ENROLLMENT_BODY_BYTES = 32 * 1024;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface LinkListener {
  server: https.Server;
  io: LinkIoServer;
  namespace: LinkNamespace;
  port: number;
  handshakesInProgress(): number;
  droppedForCapacity(): number;
  close(): Promise<void>;
}

export interface LinkListenerOptions {
  context: ConsoleContext;
  settings: LinkSettings;
  serverCertificate: ServerCertificate;
  /** Handles an enrolment body; returns the JSON to send or throws an AppError. */
  enroll(body: unknown, sourceAddress: string, port: number): Promise<unknown>;
  /**
   * The handler for a path other modules serve to linked sensors (backup
   * upload and download), or undefined. Called only for a peer with a valid
   * sensor certificate; `isCurrentLink` says whether that certificate is the
   * one of the sensor's live link (see SensorRouteHandler).
   */
  sensorRoute(pathname: string): SensorRouteHandler | undefined;
  isCurrentLink(sensorId: string, serialNumber: string): boolean;
}

/**
 * Serves one HTTP request from a sensor on the link port. The listener has
 * already checked that the peer's certificate chains to the console CA and
 * that it is the certificate of the sensor's live `/link` socket (so a
 * revoked, deleted or superseded sensor, or one that is not linked, never
 * reaches a handler). The handler owns the response.
 */
export type SensorRouteHandler = (req: IncomingMessage, res: ServerResponse, sensor: { sensorId: string; serialNumber: string }) => void;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ENROLLMENT_BODY_BYTES) {
        reject(new AppError('payload_too_large', `The enrolment request is larger than ${MAX_ENROLLMENT_BODY_BYTES / 1024} KiB.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function openLinkListener(options: LinkListenerOptions): Promise<LinkListener> {
  const { context, settings, serverCertificate } = options;
  const logger = context.logger.child({ component: 'link' });
  let port = 0;
  const enrollments = new EnrollmentGate(settings.enrollMaxWaitMs);

  async function handleEnrollment(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sourceAddress = normalizeAddress(req.socket.remoteAddress ?? null) ?? 'unknown';
    let retryAfter = 1;
    try {
      if (req.method !== 'POST') throw new AppError('method_not_allowed', `Use POST for ${ENROLLMENT_PATH}.`);
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) throw new AppError('unsupported_media_type', 'Send the enrolment request as application/json.');
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (error) {
        if (isAppError(error)) throw error;
        throw new AppError('bad_request', 'The enrolment request is not valid JSON.');
      }
      const enrolled = enrollments.tryRun(() => options.enroll(body, sourceAddress, port));
      if (!enrolled) {
        retryAfter = enrollments.retryAfterSeconds();
        throw new AppError('busy', `The console is enrolling many sensors at once; try again in ${retryAfter} s.`);
      }
      sendJson(res, 200, { data: await enrolled });
    } catch (error) {
      const appError = isAppError(error) ? error : new AppError('internal', 'The console could not enrol the sensor.');
      if (!isAppError(error)) logger.error({ err: error }, 'enrolment failed');
      const retryAfterHeader = appError.code === 'rate_limited' ? '60' : appError.code === 'busy' ? String(retryAfter) : null;
      const headers: Record<string, string> = retryAfterHeader ? { 'retry-after': retryAfterHeader } : {};
      sendJson(res, appError.status, { error: { code: appError.code, message: appError.message } }, headers);
    }
  }

  const server = https.createServer(
    {
      ...TLS_POLICY,
      key: serverCertificate.privateKeyPem,
      cert: serverCertificate.certificatePem + serverCertificate.chainPem,
      ca: context.ca.certificatePem,
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://link');
      if (url.pathname === ENROLLMENT_PATH) {
        void handleEnrollment(req, res);
        return;
      }
      // socket.io handles its own path (it is attached below); anything else needs a sensor certificate.
      if (url.pathname.startsWith(`${LINK_SOCKET_PATH}/`)) return;
      const identity = peerIdentity(req.socket as TLSSocket);
      if (!identity.ok) return sendJson(res, 403, { error: { code: 'forbidden', message: identity.refusal.message } }, { connection: 'close' });
      const handler = options.sensorRoute(url.pathname);
      if (!handler) return sendJson(res, 404, { error: { code: 'not_found', message: `Nothing is served at ${url.pathname} on the link port.` } }, { connection: 'close' });
      if (!options.isCurrentLink(identity.sensorId, identity.serialNumber)) {
        return sendJson(res, 403, { error: { code: 'forbidden', message: 'Only a linked sensor may use this path, with the certificate of its live link.' } }, { connection: 'close' });
      }
      handler(req, res, { sensorId: identity.sensorId, serialNumber: identity.serialNumber });
    },
  );
  server.keepAliveTimeout = 5000;
  // A backup upload may take hours over a slow link: no whole-request limit (Node's default is
  // 300 s). Each sensor route keeps its own stall timeout, and headers must still arrive promptly.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;

  let inProgress = 0;
  let dropped = 0;
  let lastDropLog = 0;
  const pending = new Map<string, () => void>();
  const keyOf = (socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }) => `${socket.remoteAddress}|${socket.remotePort}`;
  server.on('connection', (socket: NetSocket) => {
    if (inProgress >= settings.maxHandshakes) {
      dropped += 1;
      // One line per burst, not per socket: a storm must not also flood the log.
      if (Date.now() - lastDropLog > 10_000) {
        lastDropLog = Date.now();
        logger.warn({ maxHandshakes: settings.maxHandshakes, droppedSoFar: dropped }, 'link handshake cap reached; closing new connections until handshakes finish (sensors back off and retry)');
      }
      socket.destroy();
      return;
    }
    inProgress += 1;
    const key = keyOf(socket);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      inProgress -= 1;
      pending.delete(key);
    };
    pending.set(key, finish);
    socket.once('close', finish);
  });
  server.on('secureConnection', (socket: TLSSocket) => pending.get(keyOf(socket))?.());
  server.on('tlsClientError', (error, socket) => {
    pending.get(keyOf(socket))?.();
    logger.debug({ err: error, address: socket.remoteAddress }, 'link TLS handshake failed');
  });

  const io: LinkIoServer = new SocketIoServer(server, {
    path: LINK_SOCKET_PATH,
    transports: ['websocket'],
    serveClient: false,
    pingInterval: settings.pingIntervalMs,
    pingTimeout: settings.pingTimeoutMs,
    connectTimeout: 10_000,
    maxHttpBufferSize: 64 * 1024,
    perMessageDeflate: false,
    httpCompression: false,
    cors: { origin: false },
    allowRequest: (req, callback) => {
      const identity = peerIdentity(req.socket as TLSSocket);
      if (identity.ok) return callback(null, true);
      logger.info({ code: identity.refusal.code, address: req.socket.remoteAddress }, `link refused: ${identity.refusal.message}`);
      callback(identity.refusal.message, false);
    },
  });
  const namespace: LinkNamespace = io.of(LINK_NAMESPACE);

  port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(context.config.linkPort, context.config.bindAddress, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

  return {
    server,
    io,
    namespace,
    port,
    handshakesInProgress: () => inProgress,
    droppedForCapacity: () => dropped,
    async close() {
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
