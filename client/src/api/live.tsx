/**
 * Live updates: one socket.io connection per signed-in tab to the console's
 * /live namespace. Views say which rooms they show; a `changed` push makes
 * them re-read over REST (the socket never carries data). After a reconnect
 * every watched view re-reads, since pushes sent meanwhile were missed.
 */
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ChangedPush, LiveClientEvents, LiveRoom, LiveServerEvents } from '../../../server/src/modules/web-console/live-contract';

// Values, not types: kept equal to live-contract.ts, which the client cannot import at run time.
const LIVE_NAMESPACE = '/live';
const LIVE_PATH = '/api/live';
const SERVER_DISCONNECT_RETRY_MS = 3000;

type LiveSocket = Socket<LiveServerEvents, LiveClientEvents>;
type Listener = (push: ChangedPush) => void;
export type LiveStatus = 'connecting' | 'live' | 'offline';

class LiveConnection {
  private readonly listeners = new Map<LiveRoom, Set<Listener>>();
  private readonly statusListeners = new Set<(status: LiveStatus) => void>();
  private readonly socket: LiveSocket;
  status: LiveStatus = 'connecting';

  constructor(onSessionEnded: () => void) {
    this.socket = io(LIVE_NAMESPACE, { path: LIVE_PATH, transports: ['websocket'], withCredentials: true });
    let connectedBefore = false;
    this.socket.on('connect', () => {
      this.setStatus('live');
      this.sendWatch();
      // Anything pushed while disconnected was lost: after a reconnect every watched view re-reads.
      if (connectedBefore) for (const [room, set] of this.listeners) for (const listener of set) listener({ room, ids: [] });
      connectedBefore = true;
    });
    let sessionEnded = false;
    this.socket.on('disconnect', (reason) => {
      this.setStatus('offline');
      // The console drops every browser socket when it shuts down; socket.io does not retry that by itself.
      if (reason === 'io server disconnect' && !sessionEnded) setTimeout(() => this.socket.connect(), SERVER_DISCONNECT_RETRY_MS);
    });
    this.socket.on('connect_error', () => this.setStatus('offline'));
    this.socket.on('changed', (push) => {
      for (const listener of this.listeners.get(push.room) ?? []) listener(push);
    });
    this.socket.on('session-ended', () => {
      sessionEnded = true;
      onSessionEnded();
    });
  }

  subscribe(room: LiveRoom, listener: Listener): () => void {
    const set = this.listeners.get(room) ?? new Set<Listener>();
    const isNew = set.size === 0;
    set.add(listener);
    this.listeners.set(room, set);
    if (isNew) this.sendWatch();
    return () => {
      set.delete(listener);
      if (set.size === 0) {
        this.listeners.delete(room);
        this.sendWatch();
      }
    };
  }

  onStatus(listener: (status: LiveStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  close(): void {
    this.socket.close();
  }

  private sendWatch(): void {
    if (this.socket.connected) this.socket.emit('watch', [...this.listeners.keys()]);
  }

  private setStatus(status: LiveStatus): void {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

const LiveContext = createContext<LiveConnection | null>(null);

/** Opens the socket while mounted (the signed-in part of the app). */
export function LiveProvider({ children, onSessionEnded }: { children: ReactNode; onSessionEnded: () => void }) {
  const endedRef = useRef(onSessionEnded);
  endedRef.current = onSessionEnded;
  const [connection, setConnection] = useState<LiveConnection | null>(null);
  useEffect(() => {
    const opened = new LiveConnection(() => endedRef.current());
    setConnection(opened);
    return () => opened.close();
  }, []);
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

/** Re-reads the given queries whenever `room` reports a change. */
export function useLiveRefresh(room: LiveRoom | null, ...queryKeys: QueryKey[]): void {
  const connection = useContext(LiveContext);
  const queryClient = useQueryClient();
  // Compared as text: callers pass fresh arrays on every render.
  const keys = JSON.stringify(queryKeys);
  useEffect(() => {
    if (!connection || room === null) return;
    const parsed = JSON.parse(keys) as QueryKey[];
    return connection.subscribe(room, () => {
      for (const queryKey of parsed) void queryClient.invalidateQueries({ queryKey });
    });
  }, [connection, room, keys, queryClient]);
}

export function useLiveStatus(): LiveStatus {
  const connection = useContext(LiveContext);
  const [status, setStatus] = useState<LiveStatus>(connection?.status ?? 'connecting');
  useEffect(() => {
    if (!connection) return;
    setStatus(connection.status);
    return connection.onStatus(setStatus);
  }, [connection]);
  return status;
}
