/**
 * Settings storage, owned by the settings module:
 * - `settingsScopes`: one document per scope that has settings, `_id` the scope
 *   key ('global', 'site:<id>', 'zone:<id>', 'sensor:<id>'), holding the scope's
 *   overrides with secrets sealed and the revision of its last save. Saves are
 *   conditional on that revision (no transactions on FerretDB).
 * - `settingsHistory`: every saved revision of every scope, so a refused stale
 *   save can say which fields changed since the revision it was based on.
 * - `sensorSettingsStatus`: per sensor, what it last reported applying and the
 *   clock-drift state (kept in the database so a restart or a second console
 *   instance does not raise the same transition again).
 * Revisions come from one console-wide counter (`settingsCounters`), so a
 * revision number identifies one save across all scopes.
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { ScopeKind, SettingsObject } from './settings-merge.js';

export interface SettingsScopeDocument {
  _id: string;
  kind: ScopeKind;
  scopeId: string | null;
  revision: number;
  /**
   * Bumped (sensor scopes only) when the sensor moves to another zone: its
   * effective settings change without any save, and its desired revision must
   * still go up. Kept apart from `revision` so an operator's save is not refused
   * as stale because the sensor moved.
   */
  placementRevision: number;
  settings: SettingsObject;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface SettingsHistoryDocument {
  _id: string;
  scopeKey: string;
  revision: number;
  settings: SettingsObject;
  savedAt: Date;
  savedBy: string | null;
}

export interface ApplyResult {
  revision: number;
  ok: boolean;
  reason: string | null;
  at: Date;
}

export interface SensorSettingsStatusDocument {
  _id: string;
  /** The last revision the sensor applied successfully. */
  appliedRevision: number | null;
  lastResult: ApplyResult | null;
  clockDrifting: boolean;
  clockDriftChangedAt: Date | null;
}

// minimize: false keeps `settings: {}` (a scope that overrides nothing) as an object.
const scopeSchema = new Schema<SettingsScopeDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    scopeId: { type: String, default: null },
    revision: { type: Number, required: true },
    placementRevision: { type: Number, default: 0 },
    settings: { type: Schema.Types.Mixed, default: {} },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: String, default: null },
  },
  { collection: 'settingsScopes', versionKey: false, minimize: false, strict: 'throw' },
);
scopeSchema.index({ kind: 1, scopeId: 1 });

const historySchema = new Schema<SettingsHistoryDocument>(
  {
    _id: { type: String, required: true },
    scopeKey: { type: String, required: true },
    revision: { type: Number, required: true },
    settings: { type: Schema.Types.Mixed, default: {} },
    savedAt: { type: Date, required: true },
    savedBy: { type: String, default: null },
  },
  { collection: 'settingsHistory', versionKey: false, minimize: false, strict: 'throw' },
);
historySchema.index({ scopeKey: 1, revision: -1 });

const statusSchema = new Schema<SensorSettingsStatusDocument>(
  {
    _id: { type: String, required: true },
    appliedRevision: { type: Number, default: null },
    lastResult: {
      type: new Schema<ApplyResult>({ revision: Number, ok: Boolean, reason: { type: String, default: null }, at: Date }, { _id: false }),
      default: null,
    },
    clockDrifting: { type: Boolean, default: false },
    clockDriftChangedAt: { type: Date, default: null },
  },
  { collection: 'sensorSettingsStatus', versionKey: false, strict: 'throw' },
);

export interface SettingsModels {
  scopes: Model<SettingsScopeDocument>;
  history: Model<SettingsHistoryDocument>;
  statuses: Model<SensorSettingsStatusDocument>;
}

export function settingsModels(connection: Connection): SettingsModels {
  return {
    scopes: (connection.models.SettingsScope as Model<SettingsScopeDocument> | undefined) ?? connection.model<SettingsScopeDocument>('SettingsScope', scopeSchema),
    history: (connection.models.SettingsHistory as Model<SettingsHistoryDocument> | undefined) ?? connection.model<SettingsHistoryDocument>('SettingsHistory', historySchema),
    statuses: (connection.models.SensorSettingsStatus as Model<SensorSettingsStatusDocument> | undefined) ?? connection.model<SensorSettingsStatusDocument>('SensorSettingsStatus', statusSchema),
  };
}

export const SETTINGS_COUNTERS_COLLECTION = 'settingsCounters';

export function scopeKey(kind: ScopeKind, scopeId: string | null): string {
  return kind === 'global' ? 'global' : `${kind}:${scopeId}`;
}
