/**
 * The browser live-update contract, shared by the hub and the web client (the
 * client imports these types with `import type`, so nothing here reaches the
 * bundle). The socket only says "something changed"; the browser then re-reads
 * over REST, where every permission check already lives.
 */

/** Socket.io namespace for browsers (the sensor link uses `/link` on its own port). */
export const LIVE_NAMESPACE = '/live';
/** Under /api so the SPA fallback and the static files never shadow it. */
export const LIVE_PATH = '/api/live';

/** The views a browser can watch. `sensor:<id>` is one sensor's page. */
export type LiveRoom = 'sensors' | 'placement' | 'connection-strings' | 'settings' | `sensor:${string}`;

export interface ChangedPush {
  room: LiveRoom;
  /** Ids of what changed (sensors, scopes); empty when the whole view should reload. */
  ids: string[];
}

export interface LiveServerEvents {
  changed: (push: ChangedPush) => void;
  /** The session behind the socket ended; the browser should sign in again. */
  'session-ended': () => void;
}

export interface LiveClientEvents {
  /** Replaces the set of rooms this socket watches (a view mounts/unmounts). */
  watch: (rooms: LiveRoom[]) => void;
}
