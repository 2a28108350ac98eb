/**
 * A zone (a production line, a cell) inside one site. Its site never changes:
 * sensors carry a copy of their zone's siteId for filtering, and keeping a
 * zone on its site means no multi-document fix-up (FerretDB has no transactions).
 * Names are unique within a site regardless of case.
 */
import { Schema, type Connection, type Model } from 'mongoose';

export interface ZoneDocument {
  _id: string;
  siteId: string;
  name: string;
  nameKey: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

const zoneSchema = new Schema<ZoneDocument>(
  {
    _id: { type: String, required: true },
    siteId: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    description: { type: String, default: '' },
  },
  { collection: 'zones', timestamps: true, versionKey: false, strict: 'throw' },
);

// Built by migrations/002-fleet-indexes.ts.
zoneSchema.index({ siteId: 1, nameKey: 1 }, { unique: true });

export type ZoneModel = Model<ZoneDocument>;

export function zoneModel(connection: Connection): ZoneModel {
  return (connection.models.Zone as ZoneModel | undefined) ?? connection.model<ZoneDocument>('Zone', zoneSchema);
}
