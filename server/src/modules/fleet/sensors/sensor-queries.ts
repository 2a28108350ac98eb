/**
 * Reading sensors for the API: the filtered, sorted, paged list (with the total
 * for the pager; rows come from a SensorListing, see sensor-listing.ts) and one
 * sensor's detail, each with the names of its site and zone.
 */
import { AppError } from '../../../platform/errors.js';
import type { SensorDocument, SensorModel } from '../sensor-model.js';
import type { SiteDocument, SiteModel } from '../sites/site-model.js';
import type { ZoneDocument, ZoneModel } from '../zones/zone-model.js';
import type { ListSensorsQuery } from './schema.js';
import { DatabaseSensorListing, type ListingScope, type SensorListing } from './sensor-listing.js';
import {
  presentSensorDetail,
  presentSensorListItem,
  type Placement,
  type SensorDetail,
  type SensorListItem,
} from './sensor-presenter.js';

export class SensorQueries {
  constructor(
    private readonly sensors: SensorModel,
    private readonly zones: ZoneModel,
    private readonly sites: SiteModel,
    private readonly listing: SensorListing = new DatabaseSensorListing(sensors),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `within`: a user's site/zone scope; only sensors inside it are listed. */
  async list(query: ListSensorsQuery, within: ListingScope | null = null): Promise<{ items: SensorListItem[]; total: number }> {
    const { rows, total } = await this.listing.page(query, within);
    const placements = await this.placementsOf(rows);
    return { items: rows.map((row) => presentSensorListItem(row, placements(row))), total };
  }

  async detail(sensorId: string): Promise<SensorDetail> {
    const sensor = await this.sensors.findById(sensorId).lean<SensorDocument>();
    if (!sensor) throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    const placements = await this.placementsOf([sensor]);
    return presentSensorDetail(sensor, placements(sensor), this.now());
  }

  /** Site and zone names of a page of sensors, in two queries whatever the page size. */
  async placementsOf(sensors: Array<Pick<SensorDocument, 'siteId' | 'zoneId'>>): Promise<(sensor: Pick<SensorDocument, 'siteId' | 'zoneId'>) => Placement> {
    const zoneIds = [...new Set(sensors.flatMap((sensor) => (sensor.zoneId ? [sensor.zoneId] : [])))];
    const siteIds = [...new Set(sensors.flatMap((sensor) => (sensor.siteId ? [sensor.siteId] : [])))];
    const [zones, sites] = await Promise.all([
      zoneIds.length === 0 ? [] : this.zones.find({ _id: { $in: zoneIds } }, { name: 1 }).lean<Array<Pick<ZoneDocument, '_id' | 'name'>>>(),
      siteIds.length === 0 ? [] : this.sites.find({ _id: { $in: siteIds } }, { name: 1 }).lean<Array<Pick<SiteDocument, '_id' | 'name'>>>(),
    ]);
    const zoneNames = new Map(zones.map((zone) => [zone._id, zone.name]));
    const siteNames = new Map(sites.map((site) => [site._id, site.name]));
    return (sensor) => ({
      site: sensor.siteId ? { id: sensor.siteId, name: siteNames.get(sensor.siteId) ?? '(deleted site)' } : null,
      zone: sensor.zoneId ? { id: sensor.zoneId, name: zoneNames.get(sensor.zoneId) ?? '(deleted zone)' } : null,
    });
  }
}
