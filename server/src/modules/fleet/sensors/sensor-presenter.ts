/**
 * Sensor documents → API shapes: a light row for the sensors list and the full
 * detail (state in words, health, clock drift, certificate expiry). Raw documents
 * never leave the server.
 */
import type { PresenceReason, SensorDocument, SensorState } from '../sensor-model.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const REASON_WORDS: Record<PresenceReason, string> = {
  enrolled: 'Enrolled; waiting for the sensor to connect.',
  'link-established': 'Connected over the sensor link.',
  'closed-by-sensor': 'The sensor closed its link.',
  'ping-timeout': 'The sensor stopped answering pings.',
  'grace-period-elapsed': 'Unreachable for longer than the grace period.',
  revoked: 'Revoked: the console refuses its certificate.',
  'certificate-expired': "The sensor's certificate expired.",
  'protocol-mismatch': 'The sensor speaks a link protocol version this console does not support.',
  'console-shutdown': 'The console was shut down.',
};

export interface Placement {
  site: { id: string; name: string } | null;
  zone: { id: string; name: string } | null;
}

/** The fields the list view reads (its projection). */
export const SENSOR_LIST_FIELDS = {
  name: 1,
  nameKey: 1,
  hostname: 1,
  zoneId: 1,
  siteId: 1,
  state: 1,
  stateReason: 1,
  stateSince: 1,
  lastSeenAt: 1,
  versions: 1,
  'certificate.notAfter': 1,
  'health.clockSkewMs': 1,
} as const;

export type SensorListFields = Pick<SensorDocument, '_id' | 'name' | 'nameKey' | 'hostname' | 'zoneId' | 'siteId' | 'state' | 'stateReason' | 'stateSince' | 'lastSeenAt' | 'versions'> & {
  certificate: { notAfter: Date };
  health: { clockSkewMs: number } | null;
};

export interface SensorListItem {
  id: string;
  name: string;
  hostname: string;
  state: SensorState;
  reason: PresenceReason;
  since: string;
  lastSeenAt: string | null;
  site: Placement['site'];
  zone: Placement['zone'];
  version: string;
  linkVersion: string;
  clockDriftMs: number | null;
  certificateExpiresAt: string;
}

export function presentSensorListItem(sensor: SensorListFields, placement: Placement): SensorListItem {
  return {
    id: sensor._id,
    name: sensor.name,
    hostname: sensor.hostname,
    state: sensor.state,
    reason: sensor.stateReason,
    since: sensor.stateSince.toISOString(),
    lastSeenAt: sensor.lastSeenAt?.toISOString() ?? null,
    site: placement.site,
    zone: placement.zone,
    version: sensor.versions.core,
    linkVersion: sensor.versions.sensorLink,
    clockDriftMs: sensor.health?.clockSkewMs ?? null,
    certificateExpiresAt: sensor.certificate.notAfter.toISOString(),
  };
}

export interface SensorDetail extends Omit<SensorListItem, 'version' | 'linkVersion' | 'certificateExpiresAt'> {
  reasonText: string;
  versions: { core: string; sensorLink: string; protocol: number };
  health: {
    receivedAt: string;
    sensorTime: string;
    packetsPerSecond: number;
    bytesPerSecond: number;
    diskUsedPercent: number;
    uptimeSeconds: number;
  } | null;
  certificate: { serialNumber: string; fingerprint256: string; notBefore: string; notAfter: string; daysLeft: number; expired: boolean };
  enrolledAt: string;
  revokedAt: string | null;
}

export function presentSensorDetail(sensor: SensorDocument, placement: Placement, now: Date): SensorDetail {
  const msLeft = sensor.certificate.notAfter.getTime() - now.getTime();
  return {
    ...presentSensorListItem(sensor, placement),
    reasonText: REASON_WORDS[sensor.stateReason],
    versions: { core: sensor.versions.core, sensorLink: sensor.versions.sensorLink, protocol: sensor.versions.protocol },
    health: sensor.health
      ? {
          receivedAt: sensor.health.receivedAt.toISOString(),
          sensorTime: sensor.health.sensorTime.toISOString(),
          packetsPerSecond: sensor.health.packetsPerSecond,
          bytesPerSecond: sensor.health.bytesPerSecond,
          diskUsedPercent: sensor.health.diskUsedPercent,
          uptimeSeconds: sensor.health.uptimeSeconds,
        }
      : null,
    certificate: {
      serialNumber: sensor.certificate.serialNumber,
      fingerprint256: sensor.certificate.fingerprint256,
      notBefore: sensor.certificate.notBefore.toISOString(),
      notAfter: sensor.certificate.notAfter.toISOString(),
      // Whole days still valid; 0 on the last day, negative once expired.
      daysLeft: Math.floor(msLeft / DAY_MS),
      expired: msLeft <= 0,
    },
    enrolledAt: sensor.enrolledAt.toISOString(),
    revokedAt: sensor.revokedAt?.toISOString() ?? null,
  };
}
