/**
 * Reads the fleet for the agent: one projected query of every sensor plus the
 * site and zone names (small collections), turned into sensor table rows and
 * counts. Rows are keyed by sensor id; the agent gives each id a table index.
 */
import type { Connection } from 'mongoose';
import { sensorModel, type SensorDocument, type SensorModel, type SensorState } from '../modules/fleet/sensor-model.js';
import { siteModel, type SiteModel } from '../modules/fleet/sites/site-model.js';
import { zoneModel, type ZoneModel } from '../modules/fleet/zones/zone-model.js';
import { SENSOR_STATE_VALUES } from './garrison-mib.js';
import { displayString, integer32 } from './snmp-values.js';

const DAY_MS = 86_400_000;
/** Backups do not exist yet: every backup column says so until the backups module reports results. */
export const NO_BACKUP = 'none';

type SnapshotFields = Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId' | 'state' | 'lastSeenAt' | 'versions' | 'enrolledAt'> & {
  certificate: { notAfter: Date };
  health: { clockSkewMs: number } | null;
};

export interface SensorRowSource {
  id: string;
  state: SensorState;
  enrolledAt: Date;
  /** Every column after the index, in SENSOR_COLUMNS order. */
  values: Array<string | number>;
}

export interface FleetSnapshot {
  sensors: SensorRowSource[];
  counts: { total: number; connected: number; unreachable: number; disconnected: number };
}

export class FleetSnapshotReader {
  private readonly sensors: SensorModel;
  private readonly sites: SiteModel;
  private readonly zones: ZoneModel;

  constructor(connection: Connection) {
    this.sensors = sensorModel(connection);
    this.sites = siteModel(connection);
    this.zones = zoneModel(connection);
  }

  async read(now = new Date()): Promise<FleetSnapshot> {
    const [rows, sites, zones] = await Promise.all([
      this.sensors
        .find({}, { name: 1, siteId: 1, zoneId: 1, state: 1, lastSeenAt: 1, versions: 1, enrolledAt: 1, 'certificate.notAfter': 1, 'health.clockSkewMs': 1 })
        .lean<SnapshotFields[]>(),
      this.sites.find({}, { name: 1 }).lean<Array<{ _id: string; name: string }>>(),
      this.zones.find({}, { name: 1 }).lean<Array<{ _id: string; name: string }>>(),
    ]);
    const siteNames = new Map(sites.map((site) => [site._id, site.name]));
    const zoneNames = new Map(zones.map((zone) => [zone._id, zone.name]));
    const counts = { total: rows.length, connected: 0, unreachable: 0, disconnected: 0 };
    const sensors = rows.map((sensor) => {
      if (sensor.state === 'connected') counts.connected += 1;
      else if (sensor.state === 'unreachable') counts.unreachable += 1;
      else if (sensor.state === 'disconnected') counts.disconnected += 1;
      const notAfter = sensor.certificate?.notAfter;
      return {
        id: sensor._id,
        state: sensor.state,
        enrolledAt: sensor.enrolledAt,
        values: [
          displayString(sensor.name),
          displayString(sensor.siteId ? (siteNames.get(sensor.siteId) ?? '') : ''),
          displayString(sensor.zoneId ? (zoneNames.get(sensor.zoneId) ?? '') : 'Unassigned'),
          SENSOR_STATE_VALUES[sensor.state] ?? 0,
          displayString(sensor.versions?.core),
          displayString(sensor.lastSeenAt, 'never'),
          NO_BACKUP,
          NO_BACKUP,
          integer32(sensor.health?.clockSkewMs),
          // Whole days left, negative once expired; as in the sensor detail view.
          integer32(notAfter instanceof Date ? Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS) : 0),
        ],
      };
    });
    return { sensors, counts };
  }
}
