/**
 * The settings service (`context.services.get('settings')`).
 *
 * For the API: read and save a scope (conditional on its revision), a sensor's
 * effective settings with each field's origin, previews and the drift report.
 * Everything the API gets has secrets sealed; presenters mask them.
 *
 * For the sensor link ONLY: `effectiveFor(sensorId)` returns the effective
 * settings with secrets in clear, to send over mutual TLS, and
 * `recordApplyResult` stores what the sensor reported. API routes are typed
 * against `SettingsApi`, which leaves those out, so a presenter cannot reach them.
 */
import { sensorSettingsSchema, type SensorSettings } from '../../../../sensor-link/src/protocol/settings-schema.js';
import type { EventBus } from '../../platform/event-bus.js';
import { AppError, type FieldProblem } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { SecretBox } from '../../platform/secrets/secret-box.js';
import { fieldProblems, parseOrThrow, summarizeProblems } from '../../platform/validation.js';
import type { SensorModel } from '../fleet/sensor-model.js';
import type { ScopeCorrections, ScopeMembers } from '../fleet/sensors/scope-members.js';
import type { SiteModel } from '../fleet/sites/site-model.js';
import type { ZoneModel } from '../fleet/zones/zone-model.js';
import type { SettingsChanged } from './settings-events.js';
import { DEFAULT_SETTINGS, mergeLayers, changedFields, type FieldOrigin, type ScopeKind, type SettingsLayer, type SettingsObject } from './settings-merge.js';
import type { SensorPlace } from './apply-result-recorder.js';
import { scopeKey, type SettingsScopeDocument } from './settings-model.js';
import type { DriftFilter, DriftRow, SettingsDrift } from './settings-drift.js';
import type { SettingsRevisions } from './settings-revisions.js';
import { openSecrets, placeholderSecrets, sealSecrets, setAsideMaskedSecrets } from './settings-secrets.js';
import type { PushConfirmations } from './push-confirmations.js';

export interface ScopeRef {
  kind: ScopeKind;
  /** Site, zone or sensor id; null for global. */
  id: string | null;
}

/** A scope's own overrides (secrets sealed). Revision 0: never saved. */
export interface ScopeState {
  scope: ScopeRef;
  revision: number;
  settings: SettingsObject;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export interface EffectiveState {
  sensorId: string;
  sensorName: string;
  /** The desired revision: the highest revision among the sensor's scopes. */
  revision: number;
  settings: SettingsObject;
  origins: Record<string, FieldOrigin>;
  /** Problems of the merged result (empty when the sensor can apply it). */
  problems: FieldProblem[];
}

/** What the link sends one sensor (secrets in clear), or why it cannot. */
export type LinkSettingsResult =
  | { revision: number; settings: SensorSettings; sensor: SensorPlace }
  /** Revision 0 when the sensor does not exist. */
  | { revision: number; error: AppError };

export interface SensorPlacement {
  _id: string;
  name: string;
  siteId: string | null;
  zoneId: string | null;
  state: string;
}

export interface SettingsServiceDeps {
  revisions: SettingsRevisions;
  drift: SettingsDrift;
  sensors: SensorModel;
  /** The sensors a scope covers, revoked ones left out, by name, and what the database corrects: the fleet's `placements.inScope`. */
  sensorsInScope: (scope: ScopeRef, confirm: boolean) => Promise<ScopeMembers>;
  /** When a save's confirmation reads the database: after the pushes have gone out (push-confirmations.ts). */
  confirmations: PushConfirmations;
  sites: SiteModel;
  zones: ZoneModel;
  secretBox: SecretBox;
  events: EventBus;
  logger: Logger;
}

const PLACEMENT_FIELDS = { _id: 1, name: 1, siteId: 1, zoneId: 1, state: 1 } as const;

function revisionOf(document: SettingsScopeDocument | undefined): number {
  return document ? Math.max(document.revision, document.placementRevision ?? 0) : 0;
}

export class SettingsService {
  constructor(private readonly deps: SettingsServiceDeps) {}

  async getScope(scope: ScopeRef): Promise<ScopeState> {
    await this.assertScopeExists(scope);
    const document = await this.deps.revisions.load(scope.kind, scope.id);
    return stateOf(scope, document);
  }

  /**
   * Validates and saves a scope's overrides (replacing them whole: a field left
   * out is inherited again). Refused as stale unless `baseRevision` is the
   * scope's current revision. Publishes 'settings.changed' with every sensor
   * whose desired revision went up.
   */
  async saveScope(scope: ScopeRef, baseRevision: number, input: unknown, savedBy: string | null): Promise<{ before: ScopeState; after: ScopeState; changedFields: string[] }> {
    await this.assertScopeExists(scope);
    const current = await this.deps.revisions.load(scope.kind, scope.id);
    const settings = await this.prepare(scope, input, current?.settings ?? null);
    const revision = await this.deps.revisions.save({ kind: scope.kind, scopeId: scope.id, baseRevision, settings, savedBy });
    const at = new Date();
    const before = stateOf(scope, current);
    const after: ScopeState = { scope, revision, settings, updatedAt: at, updatedBy: savedBy };
    const changed = changedFields(before.settings, settings);
    const { sensors: placements, confirm } = await this.deps.sensorsInScope(scope, true);
    const sensorIds = placements.map((sensor) => sensor._id);
    this.deps.logger.info({ scope: scopeKey(scope.kind, scope.id), revision, changedFields: changed, sensors: sensorIds.length }, 'settings saved');
    const published = { revision, scope, changedFields: changed, cause: 'saved', at } as const;
    this.deps.events.publish('settings.changed', { ...published, sensorIds, placements });
    if (confirm) {
      this.deps.confirmations.schedule(
        confirm,
        (found) => this.publishCorrections(found, published),
        (error: unknown) => this.deps.logger.error({ err: error, scope: scopeKey(scope.kind, scope.id) }, 'could not confirm whom a settings save pushed to; sensors left out get their settings when they link'),
      );
    }
    return { before, after, changedFields: changed };
  }

  /** The database placed some sensors other than the in-memory list did: push to them again (scope-members.ts). */
  private publishCorrections({ missed, outside }: ScopeCorrections, published: Omit<SettingsChanged, 'sensorIds' | 'placements'>): void {
    if (missed.length === 0 && outside.length === 0) return;
    this.deps.logger.warn(
      { scope: scopeKey(published.scope.kind, published.scope.id), revision: published.revision, missed: missed.length, outside: outside.length },
      "the fleet's in-memory sensor list placed sensors differently from the database (a change written behind the console's back); pushing to them again",
    );
    // Without a placement the push reads where each `outside` sensor is now.
    this.deps.events.publish('settings.changed', { ...published, sensorIds: [...missed.map((sensor) => sensor._id), ...outside], placements: missed });
  }

  /**
   * Validates API input for a scope and returns it in stored form: schema
   * output, secrets sealed (a mask keeps the stored value), and the scope merged
   * with what it inherits checked again (e.g. NTP enabled with no server anywhere).
   */
  async prepare(scope: ScopeRef, input: unknown, stored: SettingsObject | null): Promise<SettingsObject> {
    const { input: unmasked, keptPaths } = setAsideMaskedSecrets(input);
    const result = sensorSettingsSchema.safeParse(unmasked);
    if (!result.success) throw invalidSettings('The settings are not valid', fieldProblems(result.error));
    const parsed = result.data;
    const settings = sealSecrets(parsed, keptPaths, stored, this.deps.secretBox);
    const layers = await this.inheritedLayers(scope);
    const merged = mergeLayers([...layers, { source: scope.kind, scopeId: scope.id, settings }]);
    const problems = this.problemsOf(merged.settings);
    if (problems.length > 0) throw invalidSettings('The settings are not valid together with what this scope inherits', problems);
    return settings;
  }

  /** A sensor's effective settings (secrets sealed) and where each field came from. */
  async effectiveState(sensorId: string): Promise<EffectiveState> {
    const sensor = await this.placementOf(sensorId);
    const { layers, revision } = await this.layersFor(sensor);
    const merged = mergeLayers(layers);
    return { sensorId, sensorName: sensor.name, revision, settings: merged.settings, origins: merged.origins, problems: this.problemsOf(merged.settings) };
  }

  /** Merges the given sensor's layers with `override` in place of one scope (for previews). */
  async effectiveWith(sensor: SensorPlacement, scope: ScopeRef, override: SettingsObject): Promise<EffectiveState> {
    const { layers, revision } = await this.layersFor(sensor);
    const replaced = layers.map((layer) => (layer.source === scope.kind && layer.scopeId === scope.id ? { ...layer, settings: override } : layer));
    if (!replaced.some((layer) => layer.source === scope.kind)) replaced.push({ source: scope.kind, scopeId: scope.id, settings: override });
    const order: SettingsLayer['source'][] = ['default', 'global', 'site', 'zone', 'sensor'];
    replaced.sort((a, b) => order.indexOf(a.source) - order.indexOf(b.source));
    const merged = mergeLayers(replaced);
    return { sensorId: sensor._id, sensorName: sensor.name, revision, settings: merged.settings, origins: merged.origins, problems: this.problemsOf(merged.settings) };
  }

  /**
   * FOR THE SENSOR LINK ONLY: the effective settings with secrets decrypted and
   * the revision the sensor must acknowledge. Never present this in the API.
   */
  async effectiveFor(sensorId: string): Promise<{ revision: number; settings: SensorSettings }> {
    const result = (await this.effectiveForMany([sensorId])).get(sensorId);
    if (!result || 'error' in result) throw result?.error ?? new AppError('not_found', `No sensor with id ${sensorId}.`);
    return { revision: result.revision, settings: result.settings };
  }

  /**
   * FOR THE SENSOR LINK ONLY: effectiveFor of many sensors at once, for a zone
   * push. One read of their placements and one of the scopes they inherit;
   * sensors that inherit the same scopes (a zone without per-sensor overrides)
   * share one merge, one check and one decryption, so a push to 5,000 sensors
   * costs little more than a push to one. Each sensor gets its result or its
   * own error (not found, effective settings not valid). `known` placements
   * (from 'settings.changed') are used instead of reading those sensors.
   */
  async effectiveForMany(sensorIds: readonly string[], known: ReadonlyMap<string, SensorPlacement> = new Map()): Promise<Map<string, LinkSettingsResult>> {
    const results = new Map<string, LinkSettingsResult>();
    if (sensorIds.length === 0) return results;
    // On FerretDB a read of many sensors decodes every sensor document: skip it when the caller knows where they are.
    const unknown = [...new Set(sensorIds)].filter((sensorId) => !known.has(sensorId));
    const read = unknown.length === 0 ? [] : await this.deps.sensors.find({ _id: { $in: unknown } }, PLACEMENT_FIELDS).lean<SensorPlacement[]>();
    const placements = [...sensorIds.flatMap((sensorId) => known.get(sensorId) ?? []), ...read];
    const chains = new Map(placements.map((sensor) => [sensor._id, chainOf(sensor).map((scope) => scopeKey(scope.kind, scope.id))]));
    const documents = await this.deps.revisions.loadMany([...new Set([...chains.values()].flat())]);
    const byKey = new Map(documents.map((document) => [document._id, document]));
    // Sensors whose present scopes with settings are the same get the same settings (the revision is per sensor).
    const shared = new Map<string, { settings: SensorSettings } | { error: AppError }>();
    for (const sensor of placements) {
      const chain = chains.get(sensor._id) ?? [];
      const revision = Math.max(0, ...chain.map((key) => revisionOf(byKey.get(key))));
      const layerKeys = chain.filter((key) => Object.keys(byKey.get(key)?.settings ?? {}).length > 0);
      const groupKey = layerKeys.join('|');
      let settings = shared.get(groupKey);
      if (!settings) {
        const layers: SettingsLayer[] = [{ source: 'default', scopeId: null, settings: DEFAULT_SETTINGS }];
        for (const key of layerKeys) {
          const document = byKey.get(key);
          if (document) layers.push({ source: document.kind, scopeId: document.scopeId, settings: document.settings });
        }
        settings = this.openForLink(sensor._id, mergeLayers(layers).settings);
        shared.set(groupKey, settings);
      }
      const place = { sensorName: sensor.name, siteId: sensor.siteId, zoneId: sensor.zoneId };
      results.set(sensor._id, 'error' in settings ? { revision, error: settings.error } : { revision, settings: settings.settings, sensor: place });
    }
    for (const sensorId of sensorIds) {
      if (!results.has(sensorId)) results.set(sensorId, { revision: 0, error: new AppError('not_found', `No sensor with id ${sensorId}.`) });
    }
    return results;
  }

  /**
   * FOR THE SENSOR LINK: what a sensor reported after applying `revision` (ok,
   * or why not). Results arriving together are stored in one batch; resolves
   * once stored. `sensor` (its name, site and zone, when the link knows them)
   * saves a read.
   */
  async recordApplyResult(sensorId: string, revision: number, ok: boolean, reason: string | null, sensor?: SensorPlace): Promise<void> {
    await this.deps.drift.recordApplyResult(sensorId, revision, ok, reason, sensor);
  }

  /** The revisions sensors last acknowledged as applied (null: never), in one read, for many linking sensors. */
  async appliedRevisions(sensorIds: readonly string[]): Promise<Map<string, number | null>> {
    return this.deps.drift.appliedRevisions(sensorIds);
  }

  /** Desired against applied revision and the last apply result, per sensor. */
  async driftReport(filter: DriftFilter): Promise<DriftRow[]> {
    return this.deps.drift.report(filter);
  }

  /** Called when a sensor moved zone: its effective settings changed, so its desired revision goes up. */
  async onSensorMoved(sensorId: string): Promise<void> {
    const revision = await this.deps.revisions.bumpPlacement(sensorId);
    this.deps.events.publish('settings.changed', { revision, scope: { kind: 'sensor', id: sensorId }, changedFields: [], sensorIds: [sensorId], cause: 'sensor-moved', at: new Date() });
  }

  /** Sensors a scope covers (revoked ones excluded: they will never apply anything). */
  async sensorsIn(scope: ScopeRef): Promise<SensorPlacement[]> {
    // For previews and counts: nothing is pushed from it, so the database need not confirm it behind the answer.
    return (await this.deps.sensorsInScope(scope, false)).sensors;
  }

  async placementOf(sensorId: string): Promise<SensorPlacement> {
    const sensor = await this.deps.sensors.findById(sensorId, PLACEMENT_FIELDS).lean<SensorPlacement>();
    if (!sensor) throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    return sensor;
  }

  /** Every layer a sensor inherits, widest first, and its desired revision. */
  async layersFor(sensor: SensorPlacement): Promise<{ layers: SettingsLayer[]; revision: number }> {
    return this.layersOf(chainOf(sensor));
  }

  private async inheritedLayers(scope: ScopeRef): Promise<SettingsLayer[]> {
    if (scope.kind === 'sensor' && scope.id) {
      const { layers } = await this.layersFor(await this.placementOf(scope.id));
      return layers.filter((layer) => layer.source !== 'sensor');
    }
    const chain: ScopeRef[] = [];
    if (scope.kind !== 'global') chain.push({ kind: 'global', id: null });
    if (scope.kind === 'zone' && scope.id) {
      const zone = await this.deps.zones.findById(scope.id, { siteId: 1 }).lean();
      if (zone) chain.push({ kind: 'site', id: zone.siteId });
    }
    return (await this.layersOf(chain)).layers;
  }

  private async layersOf(chain: ScopeRef[]): Promise<{ layers: SettingsLayer[]; revision: number }> {
    const documents = await this.deps.revisions.loadMany(chain.map((scope) => scopeKey(scope.kind, scope.id)));
    const byKey = new Map(documents.map((document) => [document._id, document]));
    const layers: SettingsLayer[] = [{ source: 'default', scopeId: null, settings: DEFAULT_SETTINGS }];
    let revision = 0;
    for (const scope of chain) {
      const document = byKey.get(scopeKey(scope.kind, scope.id));
      revision = Math.max(revision, revisionOf(document));
      if (document) layers.push({ source: scope.kind, scopeId: scope.id, settings: document.settings });
    }
    return { layers, revision };
  }

  /** Merged settings as the sensor gets them (secrets opened, schema output), or why they cannot be sent. */
  private openForLink(sensorId: string, merged: SettingsObject): { settings: SensorSettings } | { error: AppError } {
    const problems = this.problemsOf(merged);
    if (problems.length > 0) {
      const message = `The effective settings of sensor ${sensorId} are not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`;
      return { error: new AppError('unprocessable', message, { problems }) };
    }
    try {
      return { settings: parseOrThrow(sensorSettingsSchema, openSecrets(merged, this.deps.secretBox), 'effective settings') };
    } catch (error) {
      return { error: error instanceof AppError ? error : new AppError('internal', `The secrets in the effective settings of sensor ${sensorId} could not be opened.`) };
    }
  }

  /** Checks merged settings without decrypting: secrets are replaced by a valid placeholder. */
  private problemsOf(settings: SettingsObject): FieldProblem[] {
    const result = sensorSettingsSchema.safeParse(placeholderSecrets(settings));
    return result.success ? [] : fieldProblems(result.error);
  }

  private async assertScopeExists(scope: ScopeRef): Promise<void> {
    if (scope.kind === 'global') return;
    const exists =
      scope.kind === 'site'
        ? await this.deps.sites.exists({ _id: scope.id })
        : scope.kind === 'zone'
          ? await this.deps.zones.exists({ _id: scope.id })
          : await this.deps.sensors.exists({ _id: scope.id });
    if (!exists) throw new AppError('not_found', `No ${scope.kind} with id ${scope.id}.`);
  }
}

/** The scopes a sensor inherits from, widest first. */
function chainOf(sensor: SensorPlacement): ScopeRef[] {
  const chain: ScopeRef[] = [{ kind: 'global', id: null }];
  if (sensor.siteId) chain.push({ kind: 'site', id: sensor.siteId });
  if (sensor.zoneId) chain.push({ kind: 'zone', id: sensor.zoneId });
  chain.push({ kind: 'sensor', id: sensor._id });
  return chain;
}

/** Problems are named as in the request body (`settings.ntp.servers`), never with the value. */
function invalidSettings(what: string, problems: FieldProblem[]): AppError {
  const named = problems.map((problem) => ({ ...problem, path: problem.path === '(root)' ? 'settings' : `settings.${problem.path}` }));
  return new AppError('validation_failed', `${what}: ${summarizeProblems(named)}`, { problems: named });
}

function stateOf(scope: ScopeRef, document: SettingsScopeDocument | null): ScopeState {
  return {
    scope,
    revision: document?.revision ?? 0,
    settings: document?.settings ?? {},
    updatedAt: document?.revision ? document.updatedAt : null,
    updatedBy: document?.revision ? document.updatedBy : null,
  };
}

/** What API routes may call: everything but the link-only methods that reveal secrets. */
export type SettingsApi = Omit<SettingsService, 'effectiveFor' | 'effectiveForMany' | 'recordApplyResult'>;
