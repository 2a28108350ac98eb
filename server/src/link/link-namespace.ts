/**
 * The `/link` socket.io namespace: one socket per sensor over mutual TLS.
 *
 * The middleware maps the peer certificate to a sensor (serial → fleet) and
 * refuses unknown, superseded and revoked certificates and protocol versions
 * it does not speak; the refusal reaches the sensor as `connect_error` with
 * `data` = { code, message }, and with 'busy' also `reconnect` (when to try
 * again). Handlers validate every message with the protocol's zod schemas; a
 * malformed message is logged, answered with an `invalid-message` error when
 * it has an acknowledgement, and dropped.
 *
 * Per-link state is the socket's own `data` (sensor id, serial): a few hundred
 * bytes on top of socket.io's own, so 1000 links stay well inside memory.
 */
import type { TLSSocket } from 'node:tls';
import type { Namespace, Socket } from 'socket.io';
import {
  healthReportSchema,
  linkError,
  linkHandshakeAuthSchema,
  renewCertificateSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type ConsoleToSensorEvents,
  type LinkRefusal,
  type SensorToConsoleEvents,
} from '../../../sensor-link/src/protocol/link-protocol.js';
import type { ConsoleContext } from '../platform/console-module.js';
import { AppError } from '../platform/errors.js';
import type { PresenceReason } from '../modules/fleet/sensor-model.js';
import { sensorCertificateOf } from '../modules/enrollment/enrollment-service.js';
import { signSensorCsr } from '../modules/pki/sensor-certificate.js';
import { IDS_PER_IN_READ } from '../platform/database/database.js';
import { peerIdentity } from './peer-certificate.js';
import { PipelinedBatch } from '../platform/pipelined-batch.js';
import type { PresenceTracker } from './presence-tracker.js';
import { RetrySlots } from './retry-slots.js';

export interface LinkSocketData {
  sensorId: string;
  sensorName: string;
  zoneId: string | null;
  serialNumber: string;
  /** Set when the console closes the link on purpose, so the close is not counted as "unreachable". */
  closing: PresenceReason | 'replaced' | null;
}

export type LinkSocket = Socket<SensorToConsoleEvents, ConsoleToSensorEvents, Record<string, never>, LinkSocketData>;
export type LinkNamespace = Namespace<SensorToConsoleEvents, ConsoleToSensorEvents, Record<string, never>, LinkSocketData>;

const SENSOR_CERTIFICATE_VALIDITY_DAYS = 90;
/** Handshakes whose sensor lookup may wait at once; see the load-shedding note in the middleware. */
const MAX_LOOKUPS_WAITING = 1000;
/**
 * A handshake is refused with 'busy' when its lookup would likely wait longer than this: socket.io gives a
 * handshake 10 s (connectTimeout), and a refusal now costs the sensor less than a timeout later.
 */
const MAX_LOOKUP_WAIT_MS = 4000;
/**
 * `onLinked` is called for the sensors linked within a window together, in one turn, so the settings push
 * reads their settings in one batch. One call per link made the push read (and the embedded database scan)
 * the sensors and settings collections once per link: during a reconnect storm those reads queued on the
 * database's one connection until handshakes timed out. The window is twice the recent sensor lookup time
 * (how long the database queue is), between these bounds: short when idle, long in a storm.
 */
const LINKED_NOTICE_MS = { min: 200, max: 10_000 };

function refusalError(refusal: LinkRefusal): Error & { data: LinkRefusal } {
  return Object.assign(new Error(refusal.message), { data: refusal });
}

export interface LinkNamespaceOptions {
  context: ConsoleContext;
  presence: PresenceTracker;
  healthIntervalMs: number;
  /** Live sockets by sensor id, owned by the link module. */
  live: Map<string, LinkSocket>;
  /** Called once a sensor is linked and welcomed, for the links of ~200 ms together (the settings push checks whether it is behind). */
  onLinked?: (sensorId: string) => void;
}

export function setUpLinkNamespace(namespace: LinkNamespace, options: LinkNamespaceOptions): void {
  const { context, presence, live } = options;
  const logger = context.logger.child({ component: 'link' });
  const fleet = () => context.services.get('fleet');
  const lookups = new PipelinedBatch((requests: Array<{ sensorId: string; serialNumber: string }>) => fleet().checkLinkCertificates(requests), IDS_PER_IN_READ);
  /** Smoothed time a lookup took, waiting included (ms): how long the database queue is right now. */
  let lookupMs = 0;
  const retrySlots = new RetrySlots();
  const linkedSinceNotice = new Set<string>();
  let noticeTimer: NodeJS.Timeout | null = null;
  const noticeLinked = (sensorId: string) => {
    if (!options.onLinked) return;
    linkedSinceNotice.add(sensorId);
    noticeTimer ??= setTimeout(() => {
      noticeTimer = null;
      const linked = [...linkedSinceNotice];
      linkedSinceNotice.clear();
      // A sensor whose link closed meanwhile is checked again when it links again.
      for (const id of linked) if (live.has(id)) options.onLinked?.(id);
    }, Math.min(LINKED_NOTICE_MS.max, Math.max(LINKED_NOTICE_MS.min, 2 * lookupMs))).unref();
  };

  namespace.use((socket, next) => {
    const refuse = (refusal: LinkRefusal) => {
      // 'busy' is routine during a storm; the other refusals are worth an operator's attention.
      logger[refusal.code === 'busy' ? 'debug' : 'info']({ code: refusal.code, address: socket.handshake.address }, `link refused: ${refusal.message}`);
      next(refusalError(refusal));
    };
    const identity = peerIdentity(socket.request.socket as TLSSocket);
    if (!identity.ok) return refuse(identity.refusal);
    const auth = linkHandshakeAuthSchema.safeParse(socket.handshake.auth);
    if (!auth.success) return refuse({ code: 'invalid-handshake', message: 'The link handshake does not carry { protocolVersion, versions }.' });
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(auth.data.protocolVersion)) {
      return refuse({
        code: 'protocol-mismatch',
        message: `The sensor speaks link protocol ${auth.data.protocolVersion}; this console speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}. Update sensor-link.`,
      });
    }
    // Load shedding: when the database is the bottleneck a queue of lookups would only grow until they outlast
    // socket.io's connect timeout (every attempt then fails and retries, a livelock). Lookups are batched (one read
    // in flight, the next one takes everything that arrived meanwhile), so a new one waits for the read in flight
    // and its own; past MAX_LOOKUP_WAIT_MS, or MAX_LOOKUPS_WAITING, it is refused with 'busy' at once and the
    // sensor is told when to come back: the next slot at the rate links are being admitted (retry-slots.ts), so
    // the refused sensors return as a stream the console can take instead of backing off for up to a minute.
    if (lookups.size >= MAX_LOOKUPS_WAITING || !lookups.admits(MAX_LOOKUP_WAIT_MS)) {
      return refuse({ code: 'busy', message: 'The console is admitting many sensors at once; the link will retry shortly.', reconnect: retrySlots.hint() });
    }
    const lookupStartedAt = performance.now();
    lookups
      .load({ sensorId: identity.sensorId, serialNumber: identity.serialNumber })
      .then((check) => {
        lookupMs = 0.8 * lookupMs + 0.2 * (performance.now() - lookupStartedAt);
        // Say why: a revoked sensor is told so; anything else is an unknown (superseded or deleted) certificate.
        if (!check.ok && check.refusal === 'revoked') return refuse({ code: 'revoked', message: 'This sensor was revoked on the console; an admin must enrol it again.' });
        if (!check.ok) {
          return refuse({ code: 'unknown-sensor', message: 'This certificate belongs to no enrolled sensor (it was replaced by a re-enrolment, or the sensor was deleted). Re-enrol the sensor.' });
        }
        const { sensor } = check;
        socket.data = { sensorId: sensor._id, sensorName: sensor.name, zoneId: sensor.zoneId, serialNumber: identity.serialNumber, closing: null };
        next();
      })
      .catch((error: unknown) => {
        // No reconnect hint: the slots predict when capacity frees up, and a failing read predicts nothing, so the
        // sensor backs off (up to a minute) rather than coming back every second to a database that is down.
        logger.error({ err: error }, 'link handshake failed on the console side');
        next(refusalError({ code: 'busy', message: 'The console could not look up the sensor; the link will retry.' }));
      });
  });

  namespace.on('connection', (socket: LinkSocket) => {
    const { sensorId, sensorName } = socket.data;
    const previous = live.get(sensorId);
    if (previous) {
      previous.data.closing = 'replaced';
      previous.emit('link:closing', { code: 'replaced', message: 'A newer link from the same sensor replaced this one.' });
      previous.disconnect(true);
    }
    live.set(sensorId, socket);
    retrySlots.admitted();
    presence.connected(sensorId);
    // A child logger only when a message needs one: creating it cost about 60 µs and a few hundred bytes per link.
    let childLog: ConsoleContext['logger'] | null = null;
    const log = () => (childLog ??= logger.child({ sensorId, sensorName }));
    logger.info({ sensorId, sensorName }, 'link established');
    socket.emit('link:welcome', {
      sensorId,
      sensorName,
      zoneId: socket.data.zoneId,
      consoleTime: new Date().toISOString(),
      healthIntervalMs: options.healthIntervalMs,
    });
    noticeLinked(sensorId);

    socket.on('health:report', (report, ack) => {
      const receivedAt = Date.now();
      const parsed = healthReportSchema.safeParse(report);
      if (!parsed.success) return dropMalformed(log(), 'health:report', parsed.error.message, ack);
      const sensorTime = Date.parse(parsed.data.sensorTime);
      // The sensor sent at its time `sensorTime`; that instant was about half a round trip before we received it.
      const clockSkewMs = Math.round(sensorTime - (receivedAt - (parsed.data.lastRoundTripMs ?? 0) / 2));
      presence.health({
        sensorId,
        lastSeenAt: new Date(receivedAt),
        health: {
          receivedAt: new Date(receivedAt),
          sensorTime: new Date(sensorTime),
          clockSkewMs,
          packetsPerSecond: parsed.data.packetsPerSecond,
          bytesPerSecond: parsed.data.bytesPerSecond,
          diskUsedPercent: parsed.data.diskUsedPercent,
          uptimeSeconds: parsed.data.uptimeSeconds,
        },
      });
      if (typeof ack === 'function') ack({ data: { consoleTime: new Date(receivedAt).toISOString(), clockSkewMs } });
    });

    socket.on('certificate:renew', (request, ack) => {
      const parsed = renewCertificateSchema.safeParse(request);
      if (!parsed.success) return dropMalformed(log(), 'certificate:renew', parsed.error.message, ack);
      if (typeof ack !== 'function') return dropMalformed(log(), 'certificate:renew', 'no acknowledgement callback', undefined);
      renew(context, sensorId, parsed.data.csrPem)
        .then((renewed) => {
          log().info({ notAfter: renewed.notAfter }, 'sensor certificate renewed over the link');
          ack({ data: renewed });
        })
        .catch((error: unknown) => {
          log().warn({ err: error }, 'sensor certificate renewal failed');
          ack(linkError(error instanceof AppError && error.status < 500 ? 'invalid-message' : 'internal', error instanceof AppError ? error.message : 'The console could not renew the certificate.'));
        });
    });

    socket.onAny((event: string) => {
      if (event !== 'health:report' && event !== 'certificate:renew') log().warn({ event: event.slice(0, 64) }, 'dropped a link message with an unknown event name');
    });

    socket.on('disconnect', (reason) => {
      if (live.get(sensorId) === socket) live.delete(sensorId);
      const closing = socket.data.closing;
      // A replaced link's sensor is linked again; on shutdown the link module recorded every link at once.
      if (closing === 'replaced' || closing === 'console-shutdown') return;
      if (closing === 'revoked') {
        presence.forget(sensorId);
        return;
      }
      const presenceReason: PresenceReason = closing ?? (reason === 'ping timeout' ? 'ping-timeout' : 'closed-by-sensor');
      logger.info({ sensorId, sensorName, reason, presenceReason }, 'link closed');
      presence.unreachable(sensorId, presenceReason);
    });
  });
}

function dropMalformed(log: ConsoleContext['logger'], event: string, problem: string, ack: unknown): void {
  log.warn({ event, problem: problem.slice(0, 500) }, 'dropped a malformed link message');
  if (typeof ack === 'function') ack(linkError('invalid-message', `The ${event} message is not valid and was dropped.`));
}

async function renew(context: ConsoleContext, sensorId: string, csrPem: string) {
  const signed = await signSensorCsr({ ca: context.ca, csrPem, sensorId, validityDays: SENSOR_CERTIFICATE_VALIDITY_DAYS });
  await context.services.get('fleet').recordRenewedCertificate(sensorId, sensorCertificateOf(signed));
  await context.services.get('audit').record({
    actor: { kind: 'sensor', id: sensorId, name: sensorId },
    action: 'sensor.certificate-renewed',
    target: { kind: 'sensor', id: sensorId, name: null },
    outcome: 'success',
    reason: `new certificate ${signed.serialNumber} valid until ${signed.notAfter.toISOString()}`,
  });
  return { certificatePem: signed.certificatePem, caChainPem: context.ca.certificatePem, notAfter: signed.notAfter.toISOString() };
}
