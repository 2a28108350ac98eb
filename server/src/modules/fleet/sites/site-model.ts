/**
 * A site (a plant, a building): the outer level of placement. Sites contain
 * zones; sensors sit in zones. Names are unique regardless of case (`nameKey`,
 * because FerretDB has no collations).
 */
import { Schema, type Connection, type Model } from 'mongoose';

export interface SiteDocument {
  _id: string;
  name: string;
  nameKey: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
}

const siteSchema = new Schema<SiteDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    nameKey: { type: String, required: true },
    description: { type: String, default: '' },
  },
  { collection: 'sites', timestamps: true, versionKey: false, strict: 'throw' },
);

// Built by migrations/002-fleet-indexes.ts.
siteSchema.index({ nameKey: 1 }, { unique: true });

export type SiteModel = Model<SiteDocument>;

export function siteModel(connection: Connection): SiteModel {
  return (connection.models.Site as SiteModel | undefined) ?? connection.model<SiteDocument>('Site', siteSchema);
}
