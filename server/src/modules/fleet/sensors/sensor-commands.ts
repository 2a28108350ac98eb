/**
 * Changes people make to sensors through the API: rename and move between zones
 * (one or many). Revocation and deletion go through the fleet service, which
 * the link and the CLI share. Moves publish `sensor.placement-changed` per sensor
 * that actually moved; the sensor's siteId is always copied from its zone.
 */
import { AppError } from '../../../platform/errors.js';
import type { EventBus } from '../../../platform/event-bus.js';
import { isDuplicateKeyError } from '../../../platform/database/database.js';
import { sensorRefOf } from '../fleet-events.js';
import { nameKeyOf } from '../name-key.js';
import type { SensorDocument, SensorModel } from '../sensor-model.js';
import type { ZoneDocument, ZoneModel } from '../zones/zone-model.js';

type MovedSensor = Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId'>;

export interface MoveResult {
  /** Sensors whose zone changed, as they were before the move. */
  moved: MovedSensor[];
  /** Sensors that were already in the target zone. */
  unchanged: number;
  zone: Pick<ZoneDocument, '_id' | 'name' | 'siteId'> | null;
}

export class SensorCommands {
  constructor(
    private readonly sensors: SensorModel,
    private readonly zones: ZoneModel,
    private readonly events: EventBus,
    /** Called after a change no event describes (a rename, sensors put back to Unassigned), so cached list rows are dropped. */
    private readonly onUndescribedChange: () => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async rename(sensorId: string, name: string): Promise<{ before: string; after: string }> {
    const sensor = await this.sensors.findById(sensorId, { name: 1 }).lean<Pick<SensorDocument, '_id' | 'name'>>();
    if (!sensor) throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    const nameKey = nameKeyOf(name);
    const holder = await this.sensors.findOne({ nameKey }, { _id: 1 }).lean();
    if (holder && holder._id !== sensorId) throw nameTaken(name);
    try {
      await this.sensors.updateOne({ _id: sensorId }, { $set: { name, nameKey } });
    } catch (error) {
      // The unique index settles two renames racing for one name.
      throw isDuplicateKeyError(error) ? nameTaken(name) : error;
    }
    this.onUndescribedChange();
    return { before: sensor.name, after: name };
  }

  /** Moves sensors into `zoneId`, or to Unassigned with null. Every id must exist. */
  async move(sensorIds: string[], zoneId: string | null): Promise<MoveResult> {
    const zone = zoneId === null ? null : await this.zones.findById(zoneId, { name: 1, siteId: 1 }).lean<Pick<ZoneDocument, '_id' | 'name' | 'siteId'>>();
    if (zoneId !== null && !zone) throw new AppError('not_found', `No zone with id ${zoneId}.`, { field: 'zoneId' });
    const found = await this.sensors.find({ _id: { $in: sensorIds } }, { name: 1, siteId: 1, zoneId: 1 }).lean<MovedSensor[]>();
    if (found.length !== sensorIds.length) {
      const known = new Set(found.map((sensor) => sensor._id));
      const missing = sensorIds.filter((id) => !known.has(id));
      throw new AppError('not_found', `No sensor with id ${missing.join(', ')}.`, { field: 'sensorIds', missing });
    }
    const moved = found.filter((sensor) => sensor.zoneId !== zoneId);
    if (moved.length > 0) {
      const siteId = zone?.siteId ?? null;
      await this.sensors.updateMany({ _id: { $in: moved.map((sensor) => sensor._id) } }, { $set: { zoneId, siteId } });
      if (zoneId !== null && !(await this.zones.exists({ _id: zoneId }))) {
        // The zone was deleted while the sensors moved in: they must not point at nothing.
        await this.sensors.updateMany({ zoneId }, { $set: { zoneId: null, siteId: null } });
        this.onUndescribedChange();
        throw new AppError('conflict', `Zone "${zone?.name ?? zoneId}" was deleted while the sensors were moving; they are Unassigned.`);
      }
      const at = this.now();
      for (const sensor of moved) {
        this.events.publish('sensor.placement-changed', { ...sensorRefOf({ ...sensor, zoneId, siteId }), previousZoneId: sensor.zoneId, at });
      }
    }
    return { moved, unchanged: found.length - moved.length, zone };
  }
}

function nameTaken(name: string): AppError {
  return new AppError('conflict', `A sensor named "${name}" already exists (names are compared without case).`, { field: 'name' });
}
