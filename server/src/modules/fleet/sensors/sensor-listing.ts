/**
 * Where the sensors list reads its rows. Two implementations with one meaning:
 *
 * - `DatabaseSensorListing` asks the database for one page and the total. On
 *   MongoDB every filter and sort has an index (migrations/002-fleet-indexes.ts).
 * - `MemorySensorListing` is for the embedded FerretDB v1, which neither uses
 *   secondary indexes nor pushes sorts down: each list would scan and decode
 *   every sensor document twice (page and count), seconds for 5,000 sensors. An
 *   embedded database belongs to one console process, and every sensor write goes
 *   through this module, so this process can keep the list fields of every sensor
 *   in memory: patched from the fleet's own events (presence, health, placement),
 *   reloaded before answering after a structural change (enrolment, rename,
 *   revocation), refreshed in the background every few seconds (so rows written
 *   behind the module's back, by tools or tests, show up), and reloaded before
 *   answering once a minute old. Process-local on purpose; never used with
 *   MongoDB, where several consoles share the data.
 *
 * The memory rows also say at once whom a settings save pushes to
 * (`cachedInScope`, used by scope-members.ts, which has the database confirm it).
 *
 * sensor-listing.test.ts checks that both answer every query shape alike.
 */
import type { QueryFilter, SortOrder } from 'mongoose';
import type { EventBus } from '../../../platform/event-bus.js';
import { nameKeyOf } from '../name-key.js';
import { countBy } from '../placement-counts.js';
import type { SensorDocument, SensorModel } from '../sensor-model.js';
import type { ListSensorsQuery, SensorSort } from './schema.js';
import { SENSOR_LIST_FIELDS, type SensorListFields } from './sensor-presenter.js';

/** A user's site/zone scope (http/access-scope.ts): only sensors in these sites or zones are listed. */
export interface ListingScope {
  siteIds: ReadonlySet<string>;
  zoneIds: ReadonlySet<string>;
}

/** A settings scope as the settings module names it: every sensor, one site's, one zone's, or one sensor. */
export interface SensorScope {
  kind: 'global' | 'site' | 'zone' | 'sensor';
  id: string | null;
}

/** What a settings push needs of each sensor it covers. */
export type SensorPlacementRow = Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId' | 'state'>;

/** The field a scope kind selects sensors by; global selects every sensor. */
export const SCOPE_FIELDS = { site: 'siteId', zone: 'zoneId', sensor: '_id' } as const;

export interface SensorListing {
  page(query: ListSensorsQuery, within?: ListingScope | null): Promise<{ rows: SensorListFields[]; total: number }>;
  /** Something not covered by events changed (rename): forget what is cached. */
  invalidate(): void;
  /** How many sensors each of `ids` holds (sites and zones lists); the database's count stays the authority for deletes. */
  countBy(field: 'siteId' | 'zoneId', ids: string[]): Promise<Map<string, number>>;
  /**
   * The sensors a settings scope covers (revoked ones left out, by name) as held in memory, without waiting;
   * null when nothing trustworthy is held (not loaded, marked stale, or the database listing).
   */
  cachedInScope(scope: SensorScope): SensorPlacementRow[] | null;
  /**
   * Where each of `ids` is, as held in memory (revoked ones included, with their state), and the ids memory does
   * not hold; null when nothing trustworthy is held, as for cachedInScope.
   */
  cachedPlacements(ids: readonly string[]): CachedPlacements | null;
}

export interface CachedPlacements {
  rows: SensorPlacementRow[];
  unknown: string[];
}

/** User text is matched literally: every regex metacharacter is escaped. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

const SORT_FIELDS: Record<SensorSort, string> = { name: 'nameKey', state: 'state', lastSeenAt: 'lastSeenAt', version: 'versions.core' };

export function sensorFilterOf(query: ListSensorsQuery, within: ListingScope | null = null): QueryFilter<SensorDocument> {
  const filter: QueryFilter<SensorDocument> = {};
  if (within) filter.$and = [{ $or: [{ siteId: { $in: [...within.siteIds] } }, { zoneId: { $in: [...within.zoneIds] } }] }];
  if (query.state) filter.state = query.state.length === 1 ? query.state[0] : { $in: query.state };
  if (query.siteId) filter.siteId = query.siteId;
  if (query.zoneId) filter.zoneId = query.zoneId;
  else if (query.unassigned === true) filter.zoneId = null;
  else if (query.unassigned === false) filter.zoneId = { $ne: null };
  if (query.version) filter['versions.core'] = query.version;
  if (query.q) {
    // nameKey is lower case already, so its match needs no case-insensitive scan.
    filter.$or = [{ nameKey: { $regex: escapeRegex(nameKeyOf(query.q)) } }, { hostname: { $regex: escapeRegex(query.q), $options: 'i' } }];
  }
  return filter;
}

export class DatabaseSensorListing implements SensorListing {
  constructor(private readonly sensors: SensorModel) {}

  async page(query: ListSensorsQuery, within: ListingScope | null = null): Promise<{ rows: SensorListFields[]; total: number }> {
    const filter = sensorFilterOf(query, within);
    const direction: SortOrder = query.order === 'asc' ? 1 : -1;
    // nameKey is unique: as the second key it keeps pages stable when many sensors share a state or version.
    const sort: Record<string, SortOrder> = query.sort === 'name' ? { nameKey: direction } : { [SORT_FIELDS[query.sort]]: direction, nameKey: 1 };
    const [rows, total] = await Promise.all([
      this.sensors.find(filter, SENSOR_LIST_FIELDS).sort(sort).skip(query.offset).limit(query.limit).lean<SensorListFields[]>(),
      this.sensors.countDocuments(filter),
    ]);
    return { rows, total };
  }

  countBy(field: 'siteId' | 'zoneId', ids: string[]): Promise<Map<string, number>> {
    return countBy(this.sensors, field, ids);
  }

  cachedInScope(): null {
    return null;
  }

  cachedPlacements(): null {
    return null;
  }

  invalidate(): void {}
}

type Comparable = string | number | null;

/** MongoDB's order for these fields: null before any value; strings by code unit. */
function compareValues(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

const SORT_VALUES: Record<SensorSort, (row: SensorListFields) => Comparable> = {
  name: (row) => row.nameKey,
  state: (row) => row.state,
  lastSeenAt: (row) => row.lastSeenAt?.getTime() ?? null,
  version: (row) => row.versions.core,
};

function matches(row: SensorListFields, query: ListSensorsQuery, within: ListingScope | null): boolean {
  if (within && !((row.siteId !== null && within.siteIds.has(row.siteId)) || (row.zoneId !== null && within.zoneIds.has(row.zoneId)))) return false;
  if (query.state && !query.state.includes(row.state)) return false;
  if (query.siteId && row.siteId !== query.siteId) return false;
  if (query.zoneId && row.zoneId !== query.zoneId) return false;
  if (!query.zoneId && query.unassigned !== undefined && (row.zoneId === null) !== query.unassigned) return false;
  if (query.version && row.versions.core !== query.version) return false;
  if (query.q) {
    const text = query.q.toLowerCase();
    if (!row.nameKey.includes(nameKeyOf(query.q)) && !row.hostname.toLowerCase().includes(text)) return false;
  }
  return true;
}

type Rows = Map<string, SensorListFields>;

const placementOf = (row: SensorListFields): SensorPlacementRow => ({ _id: row._id, name: row.name, siteId: row.siteId, zoneId: row.zoneId, state: row.state });

/** Rows younger than this are served as they are. */
const FRESH_MS = 5_000;
/** Older rows are still served while a reload runs in the background, up to this age; beyond it a list waits for the reload. */
const MAX_STALE_MS = 60_000;

export class MemorySensorListing implements SensorListing {
  private rows: Rows | null = null;
  private loadedAt = 0;
  /** Set by a change the events cannot patch (rename, enrolment, revocation, an unknown sensor): the next list reloads first. */
  private stale = false;
  /** The load in flight was started by `stale`: until it lands the rows may miss what it brings. */
  private reloadingStale = false;
  private loading: Promise<Rows> | null = null;
  /** Patches that arrive while a load runs, replayed in order onto its result (it may have read the database before them). */
  private pending: Array<(rows: Rows) => void> = [];

  constructor(
    private readonly sensors: SensorModel,
    events: EventBus,
    private readonly now: () => number = Date.now,
  ) {
    events.on('sensor.presence-changed', (change) =>
      this.patch(change.sensorId, (row) => {
        row.state = change.current;
        row.stateReason = change.reason;
        row.stateSince = change.at;
        if (change.current === 'connected') row.lastSeenAt = change.at;
      }),
    );
    events.on('sensor.health-reported', (report) =>
      this.patch(report.sensorId, (row) => {
        row.lastSeenAt = report.at;
        row.health = { clockSkewMs: report.clockSkewMs };
      }),
    );
    events.on('sensor.placement-changed', (change) =>
      this.patch(change.sensorId, (row) => {
        row.zoneId = change.zoneId;
        row.siteId = change.siteId;
      }),
    );
    events.on('sensor.enrolled', () => this.invalidate());
    events.on('sensor.revoked', () => this.invalidate());
  }

  async page(query: ListSensorsQuery, within: ListingScope | null = null): Promise<{ rows: SensorListFields[]; total: number }> {
    const all = await this.current();
    const direction = query.order === 'asc' ? 1 : -1;
    const value = SORT_VALUES[query.sort];
    const matching = [...all.values()]
      .filter((row) => matches(row, query, within))
      .sort((a, b) => direction * compareValues(value(a), value(b)) || compareValues(a.nameKey, b.nameKey));
    // Copies: callers must not be able to change the cached rows.
    return { rows: matching.slice(query.offset, query.offset + query.limit).map((row) => structuredClone(row)), total: matching.length };
  }

  async countBy(field: 'siteId' | 'zoneId', ids: string[]): Promise<Map<string, number>> {
    const wanted = new Set(ids);
    const counts = new Map<string, number>();
    for (const row of (await this.current()).values()) {
      const id = row[field];
      if (id !== null && wanted.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  cachedInScope(scope: SensorScope): SensorPlacementRow[] | null {
    const rows = this.trustworthyRows();
    if (!rows) return null;
    const field = scope.kind === 'global' ? null : SCOPE_FIELDS[scope.kind];
    return [...rows.values()]
      .filter((row) => row.state !== 'revoked' && (field === null || row[field] === scope.id))
      .sort((a, b) => compareValues(a.nameKey, b.nameKey))
      .map(placementOf);
  }

  cachedPlacements(ids: readonly string[]): CachedPlacements | null {
    // Asked before anything listed sensors (a console that just started, with nobody on the sensors page): load the
    // rows once, so the health reports that ask every few seconds stop reading names from the database. Rows marked
    // stale reload when something lists: reloading on every ask during an enrolment wave would read the fleet each time.
    if (!this.rows && !this.loading) this.reload().catch(() => undefined);
    const rows = this.trustworthyRows();
    if (!rows) return null;
    const found: CachedPlacements = { rows: [], unknown: [] };
    for (const id of ids) {
      const row = rows.get(id);
      if (row) found.rows.push(placementOf(row));
      else found.unknown.push(id);
    }
    return found;
  }

  /** The rows, unless a stale-driven load is replacing them: they may miss what it brings (an enrolment); a refresh of fresh rows does not matter. */
  private trustworthyRows(): Rows | null {
    return !this.rows || this.stale || this.reloadingStale ? null : this.rows;
  }

  invalidate(): void {
    this.stale = true;
  }

  /** The rows to answer from: reloaded first when missing, marked stale or too old; refreshed behind the answer when merely old. */
  private current(): Promise<Rows> {
    const age = this.now() - this.loadedAt;
    if (!this.rows || this.stale || age >= MAX_STALE_MS) return this.reload();
    if (age >= FRESH_MS) this.reload().catch(() => undefined);
    return Promise.resolve(this.rows);
  }

  private patch(sensorId: string, change: (row: SensorListFields) => void): void {
    if (this.loading) this.pending.push((rows) => {
      const row = rows.get(sensorId);
      if (row) change(row);
    });
    const row = this.rows?.get(sensorId);
    if (row) change(row);
    else if (this.rows && !this.loading) this.stale = true;
  }

  private reload(): Promise<Rows> {
    if (this.loading) return this.loading;
    // A change that marks the rows stale after this point must be seen by a later load, not swallowed by this one.
    this.reloadingStale = this.stale;
    this.stale = false;
    this.pending = [];
    const startedAt = this.now();
    const loading = this.sensors
      .find({}, SENSOR_LIST_FIELDS)
      .lean<SensorListFields[]>()
      .then((found) => {
        const previous = this.rows;
        for (const row of found) {
          // Health reaches the database spaced out on large fleets (link/presence-tracker.ts): a newer report from the events stays.
          const known = previous?.get(row._id);
          if (known?.lastSeenAt && (!row.lastSeenAt || known.lastSeenAt > row.lastSeenAt)) {
            row.lastSeenAt = known.lastSeenAt;
            row.health = known.health;
          }
        }
        const rows: Rows = new Map(found.map((row) => [row._id, row]));
        for (const replay of this.pending) replay(rows);
        this.rows = rows;
        this.loadedAt = startedAt;
        return rows;
      })
      .finally(() => {
        this.loading = null;
        this.reloadingStale = false;
        this.pending = [];
      });
    this.loading = loading;
    return loading;
  }
}
