/**
 * The sensor document: identity, placement, presence and the last health report.
 * Owned by the fleet module; the link and enrollment write presence and identity
 * through the fleet service, never by touching other modules' collections.
 *
 * Presence states (DESIGN.md § The link):
 *   never-connected → connected → unreachable (socket gone / ping timeout)
 *   → disconnected (after the grace period; this raises the notification)
 *   → connected again ("reconnected").
 */
import { Schema, type Connection, type Model } from 'mongoose';

export const SENSOR_STATES = ['never-connected', 'connected', 'unreachable', 'disconnected', 'revoked'] as const;
export type SensorState = (typeof SENSOR_STATES)[number];

/** Why a sensor is in its state; shown in words by presenters. */
export const PRESENCE_REASONS = [
  'enrolled',
  'link-established',
  'closed-by-sensor',
  'ping-timeout',
  'grace-period-elapsed',
  'revoked',
  'certificate-expired',
  'protocol-mismatch',
  'console-shutdown',
] as const;
export type PresenceReason = (typeof PRESENCE_REASONS)[number];

export interface SensorCertificate {
  serialNumber: string;
  fingerprint256: string;
  notBefore: Date;
  notAfter: Date;
}

export interface SensorHealth {
  receivedAt: Date;
  /** The sensor's own clock when it sent the report. */
  sensorTime: Date;
  /** sensorTime − console time (ms), corrected by half the round trip where known. */
  clockSkewMs: number;
  packetsPerSecond: number;
  bytesPerSecond: number;
  diskUsedPercent: number;
  uptimeSeconds: number;
}

export interface SensorDocument {
  _id: string;
  name: string;
  /** Lower-cased name, unique: two sensors cannot share a name regardless of case. */
  nameKey: string;
  hostname: string;
  zoneId: string | null;
  siteId: string | null;
  state: SensorState;
  stateReason: PresenceReason;
  stateSince: Date;
  lastSeenAt: Date | null;
  versions: { sensorLink: string; core: string; protocol: number };
  certificate: SensorCertificate;
  health: SensorHealth | null;
  enrolledAt: Date;
  enrolledWithTokenId: string;
  revokedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const sensorSchema = new Schema<SensorDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    hostname: { type: String, required: true },
    zoneId: { type: String, default: null },
    siteId: { type: String, default: null },
    state: { type: String, enum: SENSOR_STATES, required: true },
    stateReason: { type: String, enum: PRESENCE_REASONS, required: true },
    stateSince: { type: Date, required: true },
    lastSeenAt: { type: Date, default: null },
    versions: {
      sensorLink: { type: String, required: true },
      core: { type: String, required: true },
      protocol: { type: Number, required: true },
    },
    certificate: {
      serialNumber: { type: String, required: true },
      fingerprint256: { type: String, required: true },
      notBefore: { type: Date, required: true },
      notAfter: { type: Date, required: true },
    },
    health: {
      type: new Schema<SensorHealth>(
        {
          receivedAt: Date,
          sensorTime: Date,
          clockSkewMs: Number,
          packetsPerSecond: Number,
          bytesPerSecond: Number,
          diskUsedPercent: Number,
          uptimeSeconds: Number,
        },
        { _id: false },
      ),
      default: null,
    },
    enrolledAt: { type: Date, required: true },
    enrolledWithTokenId: { type: String, required: true },
    revokedAt: { type: Date, default: null },
  },
  { collection: 'sensors', timestamps: true, versionKey: false, strict: 'throw' },
);

// Built by migrations/002-fleet-indexes.ts (autoIndex is off); listed here so the model documents them.
// One index per list filter and sort of the sensors page (5,000 sensors must list fast).
sensorSchema.index({ nameKey: 1 }, { unique: true });
sensorSchema.index({ 'certificate.serialNumber': 1 }, { unique: true });
sensorSchema.index({ zoneId: 1, state: 1 });
sensorSchema.index({ state: 1, stateSince: 1 });
sensorSchema.index({ siteId: 1, nameKey: 1 });
sensorSchema.index({ state: 1, nameKey: 1 });
sensorSchema.index({ lastSeenAt: 1, _id: 1 });
sensorSchema.index({ 'versions.core': 1, _id: 1 });
sensorSchema.index({ hostname: 1 });

export type SensorModel = Model<SensorDocument>;

/** Models are bound to the console's connection, never the mongoose global. */
export function sensorModel(connection: Connection): SensorModel {
  return (connection.models.Sensor as SensorModel | undefined) ?? connection.model<SensorDocument>('Sensor', sensorSchema);
}
