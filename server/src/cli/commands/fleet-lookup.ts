/**
 * Finding sensors and zones by what an operator types: a name (any case) or an
 * id. Zone names are unique within a site only, so a zone may also be given as
 * `Site/Zone`; an ambiguous name is refused with the candidates listed.
 */
import type { AccessScope } from '../../http/access-scope.js';
import type { ConsoleContext } from '../../platform/console-module.js';
import { AppError } from '../../platform/errors.js';
import { nameKeyOf } from '../../modules/fleet/name-key.js';
import { sensorModel, type SensorDocument, type SensorModel } from '../../modules/fleet/sensor-model.js';
import { SensorQueries } from '../../modules/fleet/sensors/sensor-queries.js';
import { siteModel, type SiteModel } from '../../modules/fleet/sites/site-model.js';
import { zoneModel, type ZoneModel } from '../../modules/fleet/zones/zone-model.js';

export interface ZoneRef {
  id: string;
  name: string;
  siteId: string;
  siteName: string;
}

export class FleetLookup {
  readonly sensors: SensorModel;
  readonly zones: ZoneModel;
  readonly sites: SiteModel;
  readonly queries: SensorQueries;

  constructor(context: Pick<ConsoleContext, 'connection'>) {
    this.sensors = sensorModel(context.connection);
    this.zones = zoneModel(context.connection);
    this.sites = siteModel(context.connection);
    this.queries = new SensorQueries(this.sensors, this.zones, this.sites);
  }

  /** The sensor with its placement, for scope checks (http/access-scope.ts). */
  async sensorNamed(nameOrId: string): Promise<Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId'>> {
    const found = await this.sensors
      .findOne({ $or: [{ nameKey: nameKeyOf(nameOrId) }, { _id: nameOrId }] }, { name: 1, siteId: 1, zoneId: 1 })
      .lean<Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId'>>();
    if (!found) throw new AppError('not_found', `No sensor is named ${nameOrId}. "sensors list" shows them all.`);
    return found;
  }

  /** `scope` (a CLI user's) narrows an ambiguous name to the zones it covers; the caller still checks the zone found. */
  async zoneNamed(text: string, scope: AccessScope | null = null): Promise<ZoneRef> {
    const slash = text.indexOf('/');
    const siteName = slash > 0 ? text.slice(0, slash) : null;
    const zoneName = slash > 0 ? text.slice(slash + 1) : text;
    let siteIds: string[] | null = null;
    if (siteName !== null) {
      const site = await this.sites.findOne({ nameKey: nameKeyOf(siteName) }, { _id: 1 }).lean<{ _id: string }>();
      if (!site) throw new AppError('not_found', `No site is named ${siteName}.`);
      siteIds = [site._id];
    }
    const filter = { $or: [{ nameKey: nameKeyOf(zoneName) }, { _id: zoneName }], ...(siteIds ? { siteId: { $in: siteIds } } : {}) };
    const zones = await this.zones.find(filter, { name: 1, siteId: 1 }).limit(20).lean<Array<{ _id: string; name: string; siteId: string }>>();
    const sites = new Map(
      (await this.sites.find({ _id: { $in: zones.map((zone) => zone.siteId) } }, { name: 1 }).lean<Array<{ _id: string; name: string }>>()).map((site) => [site._id, site.name]),
    );
    const refs = zones.map((zone) => ({ id: zone._id, name: zone.name, siteId: zone.siteId, siteName: sites.get(zone.siteId) ?? '(deleted site)' }));
    const [only] = refs;
    if (refs.length === 1 && only) return only;
    if (refs.length === 0) throw new AppError('not_found', `No zone is named ${text}.`);
    // A scoped user choosing among namesakes is offered only the zones of its scope.
    const candidates = scope ? refs.filter((zone) => scope.covers({ siteId: zone.siteId, zoneId: zone.id })) : refs;
    const [onlyCandidate] = candidates;
    if (candidates.length === 1 && onlyCandidate) return onlyCandidate;
    if (scope && candidates.length === 0) throw scope.refusal(`Zone ${zoneName}`);
    throw new AppError('conflict', `Several zones are named ${zoneName}: ${candidates.map((zone) => `${zone.siteName}/${zone.name}`).join(', ')}. Give it as Site/Zone.`);
  }
}
