/**
 * Certificates the console no longer accepts: those of revoked sensors and those
 * superseded by a re-enrolment or a renewal. The CRL is built from this
 * collection, and it outlives deleted sensors. `_id` is the serial (lower-case
 * hex), so recording the same revocation twice is harmless.
 */
import { Schema, type Connection, type Model } from 'mongoose';

export const REVOCATION_REASONS = ['revoked', 'superseded'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface RevokedCertificateDocument {
  _id: string;
  sensorId: string;
  sensorName: string;
  reason: RevocationReason;
  revokedAt: Date;
}

const revokedCertificateSchema = new Schema<RevokedCertificateDocument>(
  {
    _id: { type: String, required: true },
    sensorId: { type: String, required: true },
    sensorName: { type: String, required: true },
    reason: { type: String, enum: REVOCATION_REASONS, required: true },
    revokedAt: { type: Date, required: true },
  },
  { collection: 'revokedCertificates', versionKey: false, strict: 'throw' },
);

// Built by migrations/002-fleet-indexes.ts.
revokedCertificateSchema.index({ revokedAt: 1 });
revokedCertificateSchema.index({ sensorId: 1 });

export type RevokedCertificateModel = Model<RevokedCertificateDocument>;

export function revokedCertificateModel(connection: Connection): RevokedCertificateModel {
  return (
    (connection.models.RevokedCertificate as RevokedCertificateModel | undefined) ??
    connection.model<RevokedCertificateDocument>('RevokedCertificate', revokedCertificateSchema)
  );
}
