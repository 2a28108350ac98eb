/**
 * Whom a settings save pushes to: the sensors its scope covers, revoked ones
 * left out, by name.
 *
 * On the embedded database a read of them decodes every matching sensor
 * document: 1.8 s of database time for a 5,000-sensor zone (225 ms for 1,000),
 * all of it before the first sensor was pushed to. The in-memory sensor list
 * (sensor-listing.ts) holds every sensor's placement and state, patched by the
 * fleet's own events, so the save pushes from it at once. The database still
 * has the last word: its answer is read behind the push, and any sensor the
 * memory placed differently is pushed again from the database's placement
 * (`corrections`), and the memory reloaded. Only a change made behind the
 * console's back (a tool, a bench or a test writing the database) can cause
 * that; a move through the console patches the rows before the move answers.
 *
 * The database read is the confirmation's whole cost (at 5,000 sensors about
 * 3.4 s of database time: the find and its getMores), so the caller decides
 * when to run it (`confirm`): the settings service runs it once the push it
 * checks has gone out, not alongside it.
 *
 * When the memory has nothing trustworthy (not loaded yet, or an enrolment,
 * rename or revocation is not in it yet), and always on MongoDB (indexed), the
 * database answers and there is nothing to correct.
 */
import type { SensorModel } from '../sensor-model.js';
import { SCOPE_FIELDS, type SensorListing, type SensorPlacementRow, type SensorScope } from './sensor-listing.js';

/** Sensors whose push used a placement the database does not confirm. */
export interface ScopeCorrections {
  /** In the scope by the database but not pushed, or pushed with another name or place: push with these placements. */
  missed: SensorPlacementRow[];
  /** Pushed, but not in the scope by the database: push again after reading where they are. */
  outside: string[];
}

export interface ScopeMembers {
  sensors: SensorPlacementRow[];
  /** Reads the database's verdict on `sensors`, when they came from memory; null when the database gave them. */
  confirm: (() => Promise<ScopeCorrections>) | null;
}

const PLACEMENT_FIELDS = { _id: 1, name: 1, siteId: 1, zoneId: 1, state: 1 } as const;

/** `confirm: false` (a preview, which pushes nothing) takes the memory's answer without the database read behind it. */
export async function scopeMembers(sensors: SensorModel, listing: SensorListing, scope: SensorScope, confirm = true): Promise<ScopeMembers> {
  const cached = listing.cachedInScope(scope);
  if (!cached) return { sensors: await readInScope(sensors, scope), confirm: null };
  if (!confirm) return { sensors: cached, confirm: null };
  return {
    sensors: cached,
    confirm: async () => {
      const found = correctionsOf(cached, await readInScope(sensors, scope));
      if (found.missed.length > 0 || found.outside.length > 0) listing.invalidate();
      return found;
    },
  };
}

function readInScope(sensors: SensorModel, scope: SensorScope): Promise<SensorPlacementRow[]> {
  const filter = scope.kind === 'global' ? {} : { [SCOPE_FIELDS[scope.kind]]: scope.id };
  return sensors
    .find({ ...filter, state: { $ne: 'revoked' as const } }, PLACEMENT_FIELDS)
    .sort({ nameKey: 1 })
    .lean<SensorPlacementRow[]>()
    .exec();
}

export function correctionsOf(pushed: readonly SensorPlacementRow[], stored: readonly SensorPlacementRow[]): ScopeCorrections {
  const byId = new Map(pushed.map((sensor) => [sensor._id, sensor]));
  const storedIds = new Set(stored.map((sensor) => sensor._id));
  const missed = stored.filter((sensor) => {
    const known = byId.get(sensor._id);
    return !known || known.name !== sensor.name || known.siteId !== sensor.siteId || known.zoneId !== sensor.zoneId;
  });
  return { missed, outside: pushed.filter((sensor) => !storedIds.has(sensor._id)).map((sensor) => sensor._id) };
}
