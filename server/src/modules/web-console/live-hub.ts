/**
 * The browser live-update hub: a socket.io server on the console's HTTPS
 * listener (namespace /live). Browsers authenticate with their session cookie
 * and say which views they show (`watch`); domain events become debounced
 * `changed` pushes carrying only ids. Commands never travel over this socket.
 *
 * Process-local by design (each console instance pushes the events its own
 * event bus sees); with several instances a socket.io adapter would fan out.
 */
import type https from 'node:https';
import { Server, type Namespace, type Socket } from 'socket.io';
import { z } from 'zod';
import type { EventBus } from '../../platform/event-bus.js';
import type { Logger } from '../../platform/logger.js';
import { LIVE_NAMESPACE, LIVE_PATH, type LiveClientEvents, type LiveRoom, type LiveServerEvents } from './live-contract.js';
import type { LiveSessions, LiveViewer } from './live-session.js';

/** Pushes are gathered this long, so a burst (a reconnect storm, a bulk move) becomes one reload per view. */
const DEBOUNCE_MS = 250;
/** How often an open socket's session is checked again (sign-out, timeout, disabled user). */
const SESSION_RECHECK_MS = 60_000;
const MAX_ROOMS_PER_SOCKET = 20;

const roomSchema = z.union([
  z.enum(['sensors', 'placement', 'connection-strings', 'settings']),
  z.string().regex(/^sensor:[0-9a-f-]{36}$/) as z.ZodType<`sensor:${string}`>,
]);
const watchSchema = z.array(roomSchema).max(MAX_ROOMS_PER_SOCKET);

interface SocketData {
  viewer: LiveViewer;
}
type LiveSocket = Socket<LiveClientEvents, LiveServerEvents, Record<string, never>, SocketData>;
type LiveNamespace = Namespace<LiveClientEvents, LiveServerEvents, Record<string, never>, SocketData>;
type LiveServer = Server<LiveClientEvents, LiveServerEvents, Record<string, never>, SocketData>;

export interface LiveHubOptions {
  events: EventBus;
  sessions: LiveSessions;
  logger: Logger;
}

export class LiveHub {
  private io: LiveServer | null = null;
  private namespace: LiveNamespace | null = null;
  private readonly pending = new Map<LiveRoom, Set<string>>();
  private flushTimer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly options: LiveHubOptions) {}

  attach(server: https.Server): void {
    const io: LiveServer = new Server(server, {
      transports: ['websocket'],
      path: LIVE_PATH,
      serveClient: false,
      // Only this console's own pages may open a socket (no cross-site WebSocket hijacking).
      allowRequest: (req, callback) => callback(null, sameOrigin(req.headers.origin, req.headers.host)),
    });
    const namespace: LiveNamespace = io.of(LIVE_NAMESPACE);
    namespace.use((socket, next) => {
      this.options.sessions
        .fromCookieHeader(socket.request.headers.cookie)
        .then((viewer) => {
          if (!viewer) return next(new Error('Sign in first: no valid session.'));
          socket.data.viewer = viewer;
          next();
        })
        .catch((error: unknown) => next(error instanceof Error ? error : new Error(String(error))));
    });
    namespace.on('connection', (socket) => this.onConnection(socket));
    this.io = io;
    this.namespace = namespace;
    this.subscribe();
    this.recheckTimer = setInterval(() => void this.recheckSessions(), SESSION_RECHECK_MS);
    this.recheckTimer.unref();
  }

  /** Idempotent: called when the HTTPS server stops taking work and again when the module stops. */
  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.namespace?.disconnectSockets(true);
    // io.close() would also close the HTTPS server, which app.ts owns and has already closed.
    this.io = null;
    this.namespace = null;
  }

  /** Queues a `changed` push for a room; ids of one burst are merged. */
  notify(room: LiveRoom, ids: string[]): void {
    const set = this.pending.get(room) ?? new Set<string>();
    for (const id of ids) set.add(id);
    this.pending.set(room, set);
    this.flushTimer ??= setTimeout(() => this.flush(), DEBOUNCE_MS);
  }

  private onConnection(socket: LiveSocket): void {
    socket.on('watch', (rooms) => {
      const parsed = watchSchema.safeParse(rooms);
      if (!parsed.success) return;
      for (const room of socket.rooms) if (room !== socket.id) void socket.leave(room);
      void socket.join(parsed.data);
    });
  }

  private flush(): void {
    this.flushTimer = null;
    const namespace = this.namespace;
    if (!namespace) return;
    // Only rooms someone watches: socket.io encodes a broadcast before it looks for members, and a link storm
    // queues a `sensor:<id>` room for every sensor.
    const watched = namespace.adapter.rooms;
    for (const [room, ids] of this.pending) if (watched.has(room)) namespace.to(room).emit('changed', { room, ids: [...ids] });
    this.pending.clear();
  }

  private subscribe(): void {
    const { events } = this.options;
    const sensorChanged = (payload: { sensorId: string }) => {
      this.notify('sensors', [payload.sensorId]);
      this.notify(`sensor:${payload.sensorId}`, [payload.sensorId]);
    };
    this.unsubscribe.push(
      events.on('sensor.presence-changed', sensorChanged),
      events.on('sensor.revoked', (payload) => {
        sensorChanged(payload);
        this.notify('placement', [payload.sensorId]);
      }),
      events.on('sensor.enrolled', (payload) => {
        sensorChanged(payload);
        // A use of a connection string changes its uses-left and state.
        this.notify('connection-strings', [payload.tokenId]);
        this.notify('placement', [payload.sensorId]);
      }),
      events.on('sensor.placement-changed', (payload) => {
        sensorChanged(payload);
        this.notify('placement', [payload.sensorId]);
      }),
      events.on('sensor.health-reported', (payload) => this.notify(`sensor:${payload.sensorId}`, [payload.sensorId])),
      events.on('sensor.clock-drift', sensorChanged),
      events.on('settings.apply-result', (payload) => {
        this.notify(`sensor:${payload.sensorId}`, [payload.sensorId]);
        this.notify('settings', [payload.sensorId]);
      }),
      events.on('settings.changed', (payload) => {
        this.notify('settings', payload.scope.id === null ? [] : [payload.scope.id]);
        for (const sensorId of payload.sensorIds) this.notify(`sensor:${sensorId}`, [sensorId]);
      }),
    );
  }

  private async recheckSessions(): Promise<void> {
    const namespace = this.namespace;
    if (!namespace) return;
    for (const socket of await namespace.fetchSockets()) {
      try {
        const viewer = await this.options.sessions.check(socket.data.viewer.sessionId);
        if (viewer) continue;
        socket.emit('session-ended');
        socket.disconnect(true);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'live socket session re-check failed; will try again');
      }
    }
  }
}

/** A WebSocket/polling request must come from a page of this same origin. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin || !host) return false;
  try {
    return new URL(origin).host === new URL(`https://${host}`).host;
  } catch {
    return false;
  }
}
