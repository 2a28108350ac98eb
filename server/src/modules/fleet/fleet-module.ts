/**
 * The fleet module: sensors, sites and zones. It provides the `fleet` service
 * (fleet-service-contract.ts) while being created, so every other module can
 * look it up in its start(), and serves /api/v1/sensors, /sites and /zones.
 */
import type { ConsoleContext, ConsoleModule } from '../../platform/console-module.js';
import { fleetAudit } from './fleet-audit.js';
import { Fleet } from './fleet-service.js';
import type { SensorCounter } from './placement-counts.js';
import { FleetPlacements } from './placement-lookup.js';
import { revokedCertificateModel } from './revoked-certificate-model.js';
import { sensorModel } from './sensor-model.js';
import { SensorCommands } from './sensors/sensor-commands.js';
import { DatabaseSensorListing, MemorySensorListing, type SensorListing } from './sensors/sensor-listing.js';
import { SensorQueries } from './sensors/sensor-queries.js';
import { sensorRoutes } from './sensors/sensor-routes.js';
import { siteModel } from './sites/site-model.js';
import { siteRoutes } from './sites/site-routes.js';
import { SiteService } from './sites/site-service.js';
import { zoneModel } from './zones/zone-model.js';
import { zoneRoutes } from './zones/zone-routes.js';
import { ZoneService } from './zones/zone-service.js';

export function createFleetModule(context: ConsoleContext): ConsoleModule {
  const sensors = sensorModel(context.connection);
  const sites = siteModel(context.connection);
  const zones = zoneModel(context.connection);
  const logger = context.logger.child({ module: 'fleet' });
  // The embedded database belongs to this process alone, so its list rows can live in memory (see sensor-listing.ts).
  const listing: SensorListing = context.config.mongodbUri ? new DatabaseSensorListing(sensors) : new MemorySensorListing(sensors, context.events);
  const fleet = new Fleet({ sensors, zones, revokedCertificates: revokedCertificateModel(context.connection), events: context.events, logger, listing });
  context.services.provide('fleet', fleet);
  const placements = new FleetPlacements(sensors, zones, listing);
  context.services.provide('placements', placements);
  const countSensors: SensorCounter = (field, ids) => listing.countBy(field, ids);
  const audit = fleetAudit(context.services);
  const catalogue = context.apiRoutes;
  return {
    name: 'fleet',
    apiRouters: [
      sensorRoutes({
        catalogue,
        fleet,
        queries: new SensorQueries(sensors, zones, sites, listing),
        commands: new SensorCommands(sensors, zones, context.events, () => listing.invalidate()),
        audit,
        placements,
      }),
      siteRoutes(catalogue, new SiteService(sites, zones, sensors, countSensors), audit, placements),
      zoneRoutes(catalogue, new ZoneService(zones, sites, sensors, countSensors), audit),
    ],
  };
}
