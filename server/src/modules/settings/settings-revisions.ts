/**
 * Revisions and optimistic concurrency, without transactions:
 * - every save takes the next number of one console-wide counter (atomic $inc);
 * - a save is a conditional update on the revision the editor started from, so
 *   of two editors who loaded revision 7 only the first one lands; the second
 *   is refused 409 `stale_revision` naming the fields changed since 7 (read
 *   from the saved history);
 * - a sensor that moves zone gets a fresh placement revision, so its desired
 *   revision still goes up although no settings were saved.
 */
import type { Db } from 'mongodb';
import { isDuplicateKeyError } from '../../platform/database/database.js';
import { AppError } from '../../platform/errors.js';
import { changedFields, type ScopeKind, type SettingsObject } from './settings-merge.js';
import { scopeKey, SETTINGS_COUNTERS_COLLECTION, type SettingsModels, type SettingsScopeDocument } from './settings-model.js';

interface CounterDocument {
  _id: string;
  value: number;
}

export interface SaveScopeInput {
  kind: ScopeKind;
  scopeId: string | null;
  /** The revision the editor loaded; 0 when the scope had no settings yet. */
  baseRevision: number;
  settings: SettingsObject;
  savedBy: string | null;
}

export class SettingsRevisions {
  constructor(
    private readonly models: SettingsModels,
    private readonly db: Db,
  ) {}

  /** The next console-wide revision number. */
  async next(): Promise<number> {
    const counter = await this.db
      .collection<CounterDocument>(SETTINGS_COUNTERS_COLLECTION)
      .findOneAndUpdate({ _id: 'revision' }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
    if (!counter) throw new AppError('internal', 'The settings revision counter could not be advanced.');
    return counter.value;
  }

  async load(kind: ScopeKind, scopeId: string | null): Promise<SettingsScopeDocument | null> {
    return this.models.scopes.findById(scopeKey(kind, scopeId)).lean<SettingsScopeDocument>();
  }

  async loadMany(keys: string[]): Promise<SettingsScopeDocument[]> {
    if (keys.length === 0) return [];
    return this.models.scopes.find({ _id: { $in: keys } }).lean<SettingsScopeDocument[]>();
  }

  /** Saves a scope if nobody saved it since `baseRevision`; returns the new revision, or throws stale_revision. */
  async save(input: SaveScopeInput): Promise<number> {
    const key = scopeKey(input.kind, input.scopeId);
    const revision = await this.next();
    const now = new Date();
    const set = { settings: input.settings, revision, updatedAt: now, updatedBy: input.savedBy };
    let saved: boolean;
    try {
      // With base 0 the upsert also covers "never saved" (no document, or only a placement revision).
      const result = await this.models.scopes.updateOne(
        { _id: key, revision: input.baseRevision },
        { $set: set, $setOnInsert: { kind: input.kind, scopeId: input.scopeId, placementRevision: 0 } },
        { upsert: input.baseRevision === 0 },
      );
      saved = result.matchedCount === 1 || result.upsertedCount === 1;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      saved = false;
    }
    if (!saved) throw await this.staleError(key, input.baseRevision);
    await this.models.history.create({ _id: `${key}@${revision}`, scopeKey: key, revision, settings: input.settings, savedAt: now, savedBy: input.savedBy });
    return revision;
  }

  /** Gives a sensor's scope a new placement revision (it moved zone); returns it. */
  async bumpPlacement(sensorId: string): Promise<number> {
    const revision = await this.next();
    await this.models.scopes.updateOne(
      { _id: scopeKey('sensor', sensorId) },
      {
        $max: { placementRevision: revision },
        $setOnInsert: { kind: 'sensor', scopeId: sensorId, revision: 0, settings: {}, updatedAt: new Date(), updatedBy: null },
      },
      { upsert: true },
    );
    return revision;
  }

  private async staleError(key: string, baseRevision: number): Promise<AppError> {
    const current = await this.models.scopes.findById(key).lean<SettingsScopeDocument>();
    const currentSettings = current?.settings ?? {};
    const base = baseRevision === 0 ? { settings: {} } : await this.models.history.findById(`${key}@${baseRevision}`).lean();
    // Without the base revision's history every field the scope sets may have changed.
    const changed = base ? changedFields(base.settings, currentSettings) : changedFields({}, currentSettings);
    const currentRevision = current?.revision ?? 0;
    return new AppError(
      'stale_revision',
      `These settings changed since revision ${baseRevision} (now revision ${currentRevision}${current?.updatedBy ? `, saved by ${current.updatedBy}` : ''}): ` +
        `${changed.length > 0 ? changed.join(', ') : 'no field values'} changed. Reload them and make your change again.`,
      { baseRevision, currentRevision, changedFields: changed, changedBy: current?.updatedBy ?? null },
    );
  }
}
