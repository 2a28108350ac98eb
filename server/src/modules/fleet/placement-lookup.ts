/**
 * Where sensors and zones sit, for site/zone scope checks (http/access-scope.ts)
 * in this module's routes and in others' (settings), and which sensors a
 * settings scope covers. Provided as the `placements` service; reads only the
 * fields it needs.
 */
import type { Placement, PlacementLookup } from '../../http/access-scope.js';
import type { SensorDocument, SensorModel } from './sensor-model.js';
import { scopeMembers, type ScopeMembers } from './sensors/scope-members.js';
import type { SensorListing, SensorScope } from './sensors/sensor-listing.js';
import type { ZoneDocument, ZoneModel } from './zones/zone-model.js';

export interface FleetPlacementLookup extends PlacementLookup {
  /** The sensors a settings scope covers, revoked ones left out, by name, and what the database corrects (scope-members.ts). */
  inScope(scope: SensorScope, confirm?: boolean): Promise<ScopeMembers>;
}

declare module '../../platform/console-module.js' {
  interface ConsoleServices {
    placements: FleetPlacementLookup;
  }
}

type PlacedSensor = Pick<SensorDocument, '_id' | 'siteId' | 'zoneId'>;

export class FleetPlacements implements FleetPlacementLookup {
  constructor(
    private readonly sensors: SensorModel,
    private readonly zones: ZoneModel,
    private readonly listing: SensorListing,
  ) {}

  inScope(scope: SensorScope, confirm = true): Promise<ScopeMembers> {
    return scopeMembers(this.sensors, this.listing, scope, confirm);
  }

  async ofSensor(sensorId: string): Promise<Placement | null> {
    const sensor = await this.sensors.findById(sensorId, { siteId: 1, zoneId: 1 }).lean<PlacedSensor>();
    return sensor ? { siteId: sensor.siteId, zoneId: sensor.zoneId } : null;
  }

  async ofSensors(sensorIds: string[]): Promise<Map<string, Placement>> {
    const found = await this.sensors.find({ _id: { $in: sensorIds } }, { siteId: 1, zoneId: 1 }).lean<PlacedSensor[]>();
    return new Map(found.map((sensor) => [sensor._id, { siteId: sensor.siteId, zoneId: sensor.zoneId }]));
  }

  async ofZone(zoneId: string): Promise<Placement | null> {
    const zone = await this.zones.findById(zoneId, { siteId: 1 }).lean<Pick<ZoneDocument, '_id' | 'siteId'>>();
    return zone ? { siteId: zone.siteId, zoneId: zone._id } : null;
  }

  async ofZones(zoneIds: string[]): Promise<Map<string, Placement>> {
    if (zoneIds.length === 0) return new Map();
    const found = await this.zones.find({ _id: { $in: zoneIds } }, { siteId: 1 }).lean<Array<Pick<ZoneDocument, '_id' | 'siteId'>>>();
    return new Map(found.map((zone) => [zone._id, { siteId: zone.siteId, zoneId: zone._id }]));
  }
}
