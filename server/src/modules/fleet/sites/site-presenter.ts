import type { SiteDocument } from './site-model.js';

export interface SiteView {
  id: string;
  name: string;
  description: string;
  zoneCount: number;
  sensorCount: number;
  createdAt: string;
  updatedAt: string;
}

export function presentSite(site: SiteDocument, counts: { zoneCount: number; sensorCount: number }): SiteView {
  return {
    id: site._id,
    name: site.name,
    description: site.description,
    zoneCount: counts.zoneCount,
    sensorCount: counts.sensorCount,
    createdAt: site.createdAt.toISOString(),
    updatedAt: site.updatedAt.toISOString(),
  };
}
