/**
 * Records a flush of presence changes (see link/presence-tracker.ts) with one
 * read and one conditional write per sensor, in batches:
 *
 * 1. read the current state of every sensor in the flush (`_id $in`, projected);
 * 2. fold each sensor's changes over it in order: a change applies when the
 *    state differs, is not revoked (final), and is not older than the state it
 *    replaces. Each applied change is one `sensor.presence-changed` event;
 * 3. write only each sensor's final state, conditional on the state read in
 *    step 1, so a sensor changed meanwhile (revoked, re-enrolled) is left alone;
 *    its events are published only when its write matched.
 *
 * A flush after a console restart holds a change for every sensor of the
 * fleet; most are no-ops (already unreachable), which now cost a share of one
 * read instead of a write each. Measured on the embedded FerretDB: about
 * 0.3 ms per sensor read and 1.5 ms per write, against 4.5 ms for one
 * findOneAndUpdate per change.
 */
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { IDS_PER_IN_READ, bulkWriteInBatches } from '../../platform/database/database.js';
import type { EventBus } from '../../platform/event-bus.js';
import type { PresenceUpdate } from './fleet-service-contract.js';
import type { SensorDocument, SensorModel } from './sensor-model.js';
import { sensorRefOf } from './fleet-events.js';

type PresenceFields = Pick<SensorDocument, '_id' | 'name' | 'siteId' | 'zoneId' | 'state' | 'stateSince'>;

interface PendingWrite {
  sensor: PresenceFields;
  final: PresenceUpdate;
  lastSeenAt: Date | null;
  changes: Array<{ previous: SensorDocument['state']; update: PresenceUpdate }>;
}

export async function writePresence(sensors: SensorModel, collection: Collection<SensorDocument>, events: EventBus, updates: PresenceUpdate[]): Promise<void> {
  const bySensor = new Map<string, PresenceUpdate[]>();
  for (const update of updates) bySensor.set(update.sensorId, [...(bySensor.get(update.sensorId) ?? []), update]);
  const ids = [...bySensor.keys()];
  for (let start = 0; start < ids.length; start += IDS_PER_IN_READ) {
    const current = await sensors
      .find({ _id: { $in: ids.slice(start, start + IDS_PER_IN_READ) } }, { _id: 1, name: 1, siteId: 1, zoneId: 1, state: 1, stateSince: 1 })
      .lean<PresenceFields[]>();
    const writes = current.flatMap((sensor) => foldChanges(sensor, bySensor.get(sensor._id) ?? []) ?? []);
    if (writes.length === 0) continue;
    const counts = await bulkWriteInBatches(collection, writeOperations(writes), { ordered: false });
    const applied = counts.matchedCount === writes.length ? writes : await stillApplied(sensors, writes);
    for (const write of applied) {
      for (const { previous, update } of write.changes) {
        events.publish('sensor.presence-changed', { ...sensorRefOf(write.sensor), previous, current: update.state, reason: update.reason, at: update.at });
      }
    }
  }
}

/**
 * One update per sensor, except that sensors making the same change at the same moment (every link closed
 * by a console shutdown) share one `updateMany` over `_id $in`: about 0.34 ms per sensor on the embedded
 * FerretDB against 0.63 ms as single updates in a bulk write (5,000 sensors, measured). Its condition is the
 * state read in step 1 and a stateSince not newer than the change, instead of each sensor's exact stateSince.
 */
function writeOperations(writes: PendingWrite[]): AnyBulkWriteOperation<SensorDocument>[] {
  const groups = new Map<string, PendingWrite[]>();
  for (const write of writes) {
    const { sensor, final, lastSeenAt } = write;
    // A record without stateSince (see foldChanges) keeps its own exact condition.
    const key = sensor.stateSince
      ? `${sensor.state}|${final.state}|${final.reason}|${final.at.getTime()}|${lastSeenAt?.getTime() ?? ''}`
      : `alone|${sensor._id}`;
    const group = groups.get(key);
    if (group) group.push(write);
    else groups.set(key, [write]);
  }
  return [...groups.values()].map((group) => {
    const { sensor, final, lastSeenAt } = group[0]!;
    const update = { $set: { state: final.state, stateReason: final.reason, stateSince: final.at, ...(lastSeenAt ? { lastSeenAt } : {}) } };
    if (group.length === 1) return { updateOne: { filter: { _id: sensor._id, state: sensor.state, stateSince: sensor.stateSince }, update } };
    const ids = group.map((write) => write.sensor._id);
    return { updateMany: { filter: { _id: { $in: ids }, state: sensor.state, stateSince: { $lte: final.at } }, update } };
  });
}

/** The changes of one sensor that apply, in order, and the state they end in; null when none applies. */
function foldChanges(sensor: PresenceFields, changes: PresenceUpdate[]): PendingWrite | null {
  let state = sensor.state;
  // A record without stateSince (written by an older version or by hand) accepts any change.
  let since: Date = sensor.stateSince ?? new Date(0);
  let lastSeenAt: Date | null = null;
  const applied: PendingWrite['changes'] = [];
  for (const update of changes) {
    // Revoked is final (only revoke() and re-enrolment leave or enter it); an older report never overwrites a newer state.
    if (state === update.state || state === 'revoked' || since.getTime() > update.at.getTime()) continue;
    applied.push({ previous: state, update });
    state = update.state;
    since = update.at;
    if (update.state === 'connected') lastSeenAt = update.at;
  }
  const final = applied.at(-1)?.update;
  return final ? { sensor, final, lastSeenAt, changes: applied } : null;
}

/** After a write that matched fewer sensors than expected: the ones whose state is now what this flush wrote. */
async function stillApplied(sensors: SensorModel, writes: PendingWrite[]): Promise<PendingWrite[]> {
  const now = await sensors
    .find({ _id: { $in: writes.map((write) => write.sensor._id) } }, { _id: 1, state: 1, stateSince: 1 })
    .lean<Array<Pick<SensorDocument, '_id' | 'state' | 'stateSince'>>>();
  const byId = new Map(now.map((sensor) => [sensor._id, sensor]));
  return writes.filter((write) => {
    const sensor = byId.get(write.sensor._id);
    return sensor?.state === write.final.state && sensor.stateSince.getTime() === write.final.at.getTime();
  });
}
