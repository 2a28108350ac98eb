/**
 * The sensor link module: opens the link port (enrolment + `/link`), tracks
 * presence, and closes a revoked sensor's live link at once. Provides the
 * `sensorLink` service (the port, for connection strings and start()'s
 * addresses; live link counts for diagnostics).
 *
 * Also pushes settings: on 'settings.changed' to the listed sensors linked
 * here, and to a sensor that links while behind its desired revision (see
 * settings-push.ts).
 *
 * Process-local state, all owned here: the live socket per sensor, the
 * presence grace queue, the write batches and the settings push queue. Several console instances would
 * need a presence lease in the database (see presence-tracker.ts) and a
 * socket.io adapter to reach a sensor linked to another instance.
 */
import { loadOrIssueServerCertificate } from '../modules/pki/server-certificate.js';
import type { ConsoleContext, ConsoleModule } from '../platform/console-module.js';
import { openLinkListener, type LinkListener, type SensorRouteHandler } from './link-listener.js';
import { setUpLinkNamespace, type LinkSocket } from './link-namespace.js';
import { linkSettingsFrom } from './link-settings.js';
import { PresenceTracker } from './presence-tracker.js';
import { SettingsPusher } from './settings-push.js';

export interface SensorLinkService {
  /** The link port actually listened on (config may say 0 in tests); throws before start. */
  port(): number;
  liveCount(): number;
  isLive(sensorId: string): boolean;
  /** TCP connections closed unanswered because too many TLS handshakes were in progress (since start). */
  droppedForCapacity(): number;
  /** The live `/link` socket of a sensor linked to this instance, to send it a request (e.g. `backup:produce`). */
  socketOf(sensorId: string): LinkSocket | undefined;
  /**
   * Serves `pathPrefix` (e.g. '/backup/v1/') on the link port to linked
   * sensors over mutual TLS; see SensorRouteHandler. Register before start.
   */
  registerSensorRoute(pathPrefix: string, handler: SensorRouteHandler): void;
  /** Resolves once no settings push is queued or in flight on this instance. */
  settingsPushesSettled(): Promise<void>;
}

declare module '../platform/console-module.js' {
  interface ConsoleServices {
    sensorLink: SensorLinkService;
  }
}

/**
 * Links the console expects to admit per second after a restart, to spread a planned restart's reconnects over.
 * Measured at 5,000 links on the 2-core bench machine with the sensors in two processes: at 100 per second the
 * fleet arrived faster than the embedded database admits it and 16% of attempts were wasted (all back in 67 s);
 * at 70, 0.9% (all back in 90 s).
 */
const RESTART_ADMISSIONS_PER_SECOND = 70;
/** Module loading before createConsole, which context.startedAt does not see. */
const BOOT_ALLOWANCE_MS = 2000;

/**
 * What a stop costs per link: closing it, then recording it unreachable. Measured on the 2-core bench
 * machine: 1.5–2.1 ms at 1,000 and 5,000 links (close 0.4 s and record 1.3–1.5 s at 1,000).
 */
const STOP_MS_PER_LINK = 2;

/**
 * The reconnect hint a planned shutdown sends every linked sensor (link-protocol.ts ReconnectHint): come back
 * after about the time this stop will take (by its links) plus the time this process took to start, and 2 s
 * more, spread over the time the console needs to admit them all, between 2 s and 2 minutes. A sensor that
 * comes back too early is refused and backs off: a wasted handshake for both sides.
 */
export function restartHint(linkCount: number, startedInMs: number): { afterMs: number; spreadMs: number } {
  return {
    afterMs: Math.round(Math.min(60_000, Math.max(1000, linkCount * STOP_MS_PER_LINK + startedInMs + 2000))),
    spreadMs: Math.round(Math.min(120_000, Math.max(2000, (linkCount / RESTART_ADMISSIONS_PER_SECOND) * 1000))),
  };
}

export function createLinkModule(context: ConsoleContext): ConsoleModule {
  const settings = linkSettingsFrom(context.config);
  const logger = context.logger.child({ module: 'link' });
  const live = new Map<string, LinkSocket>();
  const presence = new PresenceTracker({ fleet: () => context.services.get('fleet'), logger, graceMs: settings.graceMs });
  const settingsPush = new SettingsPusher({ context, live });
  let listener: LinkListener | null = null;
  const sensorRoutes = new Map<string, SensorRouteHandler>();
  const unsubscribe: Array<() => void> = [];
  let startedInMs = 0;

  context.services.provide('sensorLink', {
    port() {
      if (!listener) throw new Error('The sensor link is not listening yet');
      return listener.port;
    },
    liveCount: () => live.size,
    isLive: (sensorId) => live.has(sensorId),
    droppedForCapacity: () => listener?.droppedForCapacity() ?? 0,
    socketOf: (sensorId) => live.get(sensorId),
    registerSensorRoute(pathPrefix, handler) {
      if (!pathPrefix.startsWith('/') || !pathPrefix.endsWith('/')) throw new Error(`A sensor route prefix must start and end with "/": ${pathPrefix}`);
      if (sensorRoutes.has(pathPrefix)) throw new Error(`The sensor route ${pathPrefix} is registered twice`);
      sensorRoutes.set(pathPrefix, handler);
    },
    settingsPushesSettled: () => settingsPush.idle(),
  });

  function close(sensorId: string, code: 'revoked' | 'replaced', message: string): void {
    const socket = live.get(sensorId);
    if (!socket) return;
    socket.data.closing = code;
    socket.emit('link:closing', { code, message });
    socket.disconnect(true);
  }

  return {
    name: 'link',
    async start() {
      const serverCertificate = await loadOrIssueServerCertificate({
        dataDir: context.config.dataDir,
        ca: context.ca,
        hosts: context.config.publicHosts,
        secretBox: context.secretBox,
        logger,
      });
      const enrollment = context.services.get('enrollment');
      listener = await openLinkListener({
        context,
        settings,
        serverCertificate,
        enroll: (body, sourceAddress, port) => enrollment.enroll(body, sourceAddress, port),
        sensorRoute: (pathname) => [...sensorRoutes].find(([prefix]) => pathname.startsWith(prefix))?.[1],
        isCurrentLink: (sensorId, serialNumber) => live.get(sensorId)?.data.serialNumber === serialNumber,
      });
      setUpLinkNamespace(listener.namespace, {
        context,
        presence,
        healthIntervalMs: settings.healthIntervalMs,
        live,
        onLinked: (sensorId) => settingsPush.linked(sensorId),
      });
      // Sensors a previous console process left as linked (it crashed, or its stop
      // could not write) start unreachable here: they become disconnected after the
      // grace period unless they link again. Assumes one console instance, like the
      // rest of presence (see presence-tracker.ts).
      for (const sensorId of await context.services.get('fleet').linkedSensorIds()) presence.unreachable(sensorId, 'console-shutdown');
      presence.start();
      unsubscribe.push(
        context.events.on('sensor.revoked', (event) => close(event.sensorId, 'revoked', 'This sensor was revoked on the console.')),
        context.events.on('sensor.enrolled', (event) => {
          // A re-enrolment supersedes the certificate of any link still open under the old one.
          if (event.reEnrolled) close(event.sensorId, 'replaced', 'The sensor enrolled again; this link used the superseded certificate.');
        }),
        // Only sensors linked to this instance are pushed to; the others get their settings when they link.
        context.events.on('settings.changed', (event) => settingsPush.changed(event.sensorIds, event.placements)),
      );
      // How long this console took to come up: the next start will take about as long. The process's own boot
      // (module loading) comes before createConsole, so add an allowance, but never more than the process's age.
      startedInMs = Math.min(performance.now(), Date.now() - context.startedAt.getTime() + BOOT_ALLOWANCE_MS);
      context.components.set('sensor-link', 'up', `TLS on ${context.config.bindAddress}:${listener.port}`);
      logger.info({ linkPort: listener.port, settings }, 'sensor link listening');
    },
    async stop() {
      for (const off of unsubscribe.splice(0)) off();
      settingsPush.stop();
      const stopStartedAt = performance.now();
      const links = live.size;
      const reconnect = restartHint(links, startedInMs);
      presence.allUnreachable(live.keys(), 'console-shutdown');
      for (const socket of live.values()) {
        socket.data.closing = 'console-shutdown';
        socket.emit('link:closing', { code: 'console-shutdown', message: 'The console is shutting down; the link will reconnect.', reconnect });
      }
      await listener?.close();
      const closedAt = performance.now();
      // Pushes in flight end when their links close; wait so no apply result is recorded after stop.
      await settingsPush.idle();
      await presence.stop();
      logger.info(
        { links, closeMs: Math.round(closedAt - stopStartedAt), recordMs: Math.round(performance.now() - closedAt) },
        'sensor link stopped',
      );
      context.components.set('sensor-link', 'stopped');
    },
  };
}
