/**
 * Timings and limits of the sensor link, taken from the console's one config
 * schema (server/src/config/config-schema.ts), where each names its variable:
 *
 *   GARRISON_LINK_GRACE_MS             unreachable → disconnected after this long (60000)
 *   GARRISON_LINK_PING_INTERVAL_MS     socket.io ping interval (10000)
 *   GARRISON_LINK_PING_TIMEOUT_MS      socket.io ping timeout (15000): a silent link is noticed within interval + timeout (25 s)
 *   GARRISON_LINK_HEALTH_INTERVAL_MS   how often sensors report health (30000)
 *   GARRISON_LINK_MAX_HANDSHAKES       TLS handshakes in progress before new sockets are dropped (1024)
 *   GARRISON_ENROLL_ATTEMPTS_PER_MINUTE enrolment attempts per source address per minute (20)
 *   GARRISON_ENROLL_MAX_WAIT_MS        longest expected wait for an enrolment's turn before it is refused as busy (10000)
 */
import type { ConsoleConfig } from '../config/config-schema.js';

export interface LinkSettings {
  graceMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  healthIntervalMs: number;
  maxHandshakes: number;
  enrollAttemptsPerMinute: number;
  enrollMaxWaitMs: number;
}

type LinkConfig = Pick<
  ConsoleConfig,
  'linkGraceMs' | 'linkPingIntervalMs' | 'linkPingTimeoutMs' | 'linkHealthIntervalMs' | 'linkMaxHandshakes' | 'enrollAttemptsPerMinute' | 'enrollMaxWaitMs'
>;

/** The link's settings from the loaded configuration. */
export function linkSettingsFrom(config: LinkConfig): LinkSettings {
  return {
    graceMs: config.linkGraceMs,
    pingIntervalMs: config.linkPingIntervalMs,
    pingTimeoutMs: config.linkPingTimeoutMs,
    healthIntervalMs: config.linkHealthIntervalMs,
    maxHandshakes: config.linkMaxHandshakes,
    enrollAttemptsPerMinute: config.enrollAttemptsPerMinute,
    enrollMaxWaitMs: config.enrollMaxWaitMs,
  };
}
