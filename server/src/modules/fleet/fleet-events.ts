/**
 * Facts the fleet publishes on the event bus. The notifications module turns
 * presence changes into "sensor disconnected/reconnected" notifications; the
 * browser hub turns them into live "sensors changed" pushes.
 */
import type { PresenceReason, SensorDocument, SensorState } from './sensor-model.js';

export interface SensorRef {
  sensorId: string;
  sensorName: string;
  siteId: string | null;
  zoneId: string | null;
}

export interface SensorPresenceChanged extends SensorRef {
  previous: SensorState;
  current: SensorState;
  reason: PresenceReason;
  at: Date;
}

export interface SensorEnrolled extends SensorRef {
  tokenId: string;
  reEnrolled: boolean;
  at: Date;
}

export interface SensorRevoked extends SensorRef {
  byUser: string | null;
  at: Date;
}

export interface SensorPlacementChanged extends SensorRef {
  previousZoneId: string | null;
  at: Date;
}

export interface SensorHealthReported extends SensorRef {
  clockSkewMs: number;
  packetsPerSecond: number;
  diskUsedPercent: number;
  at: Date;
}

declare module '../../platform/event-bus.js' {
  interface DomainEvents {
    'sensor.presence-changed': SensorPresenceChanged;
    'sensor.enrolled': SensorEnrolled;
    'sensor.revoked': SensorRevoked;
    'sensor.placement-changed': SensorPlacementChanged;
    /** Published after a health batch is written; at most once per sensor per report. */
    'sensor.health-reported': SensorHealthReported;
  }
}

export function sensorRefOf(sensor: Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId'>): SensorRef {
  return { sensorId: sensor._id, sensorName: sensor.name, siteId: sensor.siteId, zoneId: sensor.zoneId };
}
