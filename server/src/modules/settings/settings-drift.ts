/**
 * What each sensor actually applied: the link records every acknowledgement
 * (revision, ok or the sensor's reason), and the drift report sets it against
 * the revision each sensor should run. A sensor is in sync when it applied
 * exactly its desired revision; "behind" covers both a failed apply and a push
 * that has not been acknowledged yet (sensor offline).
 */
import type { SensorModel } from '../fleet/sensor-model.js';
import type { ApplyResultRecorder, SensorPlace } from './apply-result-recorder.js';
import { scopeKey, type ApplyResult, type SettingsModels, type SettingsScopeDocument } from './settings-model.js';
import type { SensorPlacement } from './settings-service.js';

export interface DriftRow {
  sensorId: string;
  sensorName: string;
  sensorState: string;
  siteId: string | null;
  zoneId: string | null;
  desiredRevision: number;
  appliedRevision: number | null;
  inSync: boolean;
  lastResult: ApplyResult | null;
}

export interface DriftFilter {
  siteId?: string | undefined;
  zoneId?: string | undefined;
  /** Only sensors that are not in sync. */
  driftedOnly?: boolean | undefined;
}

/** Reasons come from sensors: keep them to one readable line of bounded length in the database and the UI. */
const MAX_REASON_LENGTH = 500;

export class SettingsDrift {
  constructor(
    private readonly models: SettingsModels,
    private readonly sensors: SensorModel,
    private readonly recorder: ApplyResultRecorder,
  ) {}

  /**
   * Stores a sensor's acknowledgement of `revision` (batched with others that
   * arrive together) and publishes 'settings.apply-result'; resolves once both
   * are done. `sensor`, when the caller knows it, saves reading the sensor.
   */
  async recordApplyResult(sensorId: string, revision: number, ok: boolean, reason: string | null, sensor?: SensorPlace): Promise<void> {
    const cleanReason = reason === null ? null : reason.replace(/[\p{Cc}]+/gu, ' ').trim().slice(0, MAX_REASON_LENGTH) || null;
    const result: ApplyResult = { revision, ok, reason: ok ? null : cleanReason ?? 'the sensor gave no reason', at: new Date() };
    await this.recorder.record({ sensorId, result, sensor });
  }

  /** The revisions sensors last acknowledged as applied (null: never), in one read, for the link to decide whether to push on connect. */
  async appliedRevisions(sensorIds: readonly string[]): Promise<Map<string, number | null>> {
    const statuses = sensorIds.length === 0 ? [] : await this.models.statuses.find({ _id: { $in: [...new Set(sensorIds)] } }, { appliedRevision: 1 }).lean();
    const applied = new Map<string, number | null>(sensorIds.map((sensorId) => [sensorId, null]));
    for (const status of statuses) applied.set(status._id, status.appliedRevision ?? null);
    return applied;
  }

  /** One row per sensor (revoked ones left out), sorted by name. */
  async report(filter: DriftFilter): Promise<DriftRow[]> {
    const sensorFilter = {
      state: { $ne: 'revoked' as const },
      ...(filter.siteId ? { siteId: filter.siteId } : {}),
      ...(filter.zoneId ? { zoneId: filter.zoneId } : {}),
    };
    const sensors = await this.sensors.find(sensorFilter, { _id: 1, name: 1, siteId: 1, zoneId: 1, state: 1 }).sort({ nameKey: 1 }).lean<SensorPlacement[]>();
    // Scope documents are few (one per scope with settings): read their revisions once rather than per sensor.
    const scopes = await this.models.scopes.find({}, { revision: 1, placementRevision: 1 }).lean<Array<Pick<SettingsScopeDocument, '_id' | 'revision' | 'placementRevision'>>>();
    const revisions = new Map(scopes.map((scope) => [scope._id, Math.max(scope.revision, scope.placementRevision ?? 0)]));
    const statuses = await this.models.statuses.find({ _id: { $in: sensors.map((sensor) => sensor._id) } }).lean();
    const statusById = new Map(statuses.map((status) => [status._id, status]));
    const rows = sensors.map((sensor): DriftRow => {
      const keys = ['global', sensor.siteId ? scopeKey('site', sensor.siteId) : null, sensor.zoneId ? scopeKey('zone', sensor.zoneId) : null, scopeKey('sensor', sensor._id)];
      const desiredRevision = Math.max(0, ...keys.map((key) => (key ? revisions.get(key) ?? 0 : 0)));
      const status = statusById.get(sensor._id);
      const appliedRevision = status?.appliedRevision ?? null;
      return {
        sensorId: sensor._id,
        sensorName: sensor.name,
        sensorState: sensor.state,
        siteId: sensor.siteId,
        zoneId: sensor.zoneId,
        desiredRevision,
        appliedRevision,
        // Revision 0 means nothing was ever set for the sensor: nothing to apply, so nothing to drift from.
        inSync: desiredRevision === 0 || appliedRevision === desiredRevision,
        lastResult: status?.lastResult ?? null,
      };
    });
    return filter.driftedOnly ? rows.filter((row) => !row.inSync) : rows;
  }
}
