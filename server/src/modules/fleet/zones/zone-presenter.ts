import type { ZoneDocument } from './zone-model.js';

export interface ZoneView {
  id: string;
  siteId: string;
  siteName: string | null;
  name: string;
  description: string;
  sensorCount: number;
  createdAt: string;
  updatedAt: string;
}

export function presentZone(zone: ZoneDocument, siteName: string | null, sensorCount: number): ZoneView {
  return {
    id: zone._id,
    siteId: zone.siteId,
    siteName,
    name: zone.name,
    description: zone.description,
    sensorCount,
    createdAt: zone.createdAt.toISOString(),
    updatedAt: zone.updatedAt.toISOString(),
  };
}
