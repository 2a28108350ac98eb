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
import type { SiteModel } from '../fleet/sites/site-model.js';
import type { ZoneModel } from '../fleet/zones/zone-model.js';
import './settings-events.js';
import { DEFAULT_SETTINGS, mergeLayers, changedFields, type FieldOrigin, type ScopeKind, type SettingsLayer, type SettingsObject } from './settings-merge.js';
import { scopeKey, type SettingsScopeDocument } from './settings-model.js';
import type { DriftFilter, DriftRow, SettingsDrift } from './settings-drift.js';
import type { SettingsRevisions } from './settings-revisions.js';
import { openSecrets, placeholderSecrets, sealSecrets, setAsideMaskedSecrets } from './settings-secrets.js';

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
    const sensorIds = (await this.sensorsIn(scope)).map((sensor) => sensor._id);
    this.deps.logger.info({ scope: scopeKey(scope.kind, scope.id), revision, changedFields: changed, sensors: sensorIds.length }, 'settings saved');
    this.deps.events.publish('settings.changed', { revision, scope, changedFields: changed, sensorIds, cause: 'saved', at });
    return { before, after, changedFields: changed };
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
    const state = await this.effectiveState(sensorId);
    if (state.problems.length > 0) {
      throw new AppError('unprocessable', `The effective settings of sensor ${sensorId} are not valid: ${state.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
        problems: state.problems,
      });
    }
    const opened = openSecrets(state.settings, this.deps.secretBox);
    return { revision: state.revision, settings: parseOrThrow(sensorSettingsSchema, opened, 'effective settings') };
  }

  /** The revision a sensor should run; the link compares it with what a reconnecting sensor reports. */
  async desiredRevision(sensorId: string): Promise<number> {
    return (await this.effectiveState(sensorId)).revision;
  }

  /** The revision the sensor last acknowledged as applied (null: never); the link compares it with desiredRevision on connect. */
  async appliedRevision(sensorId: string): Promise<number | null> {
    return this.deps.drift.appliedRevision(sensorId);
  }

  /** FOR THE SENSOR LINK: what a sensor reported after applying `revision` (ok, or why not). */
  async recordApplyResult(sensorId: string, revision: number, ok: boolean, reason: string | null): Promise<void> {
    await this.deps.drift.recordApplyResult(sensorId, revision, ok, reason);
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
    const filter =
      scope.kind === 'global' ? {} : scope.kind === 'site' ? { siteId: scope.id } : scope.kind === 'zone' ? { zoneId: scope.id } : { _id: scope.id };
    return this.deps.sensors
      .find({ ...filter, state: { $ne: 'revoked' as const } }, PLACEMENT_FIELDS)
      .sort({ nameKey: 1 })
      .lean<SensorPlacement[]>();
  }

  async placementOf(sensorId: string): Promise<SensorPlacement> {
    const sensor = await this.deps.sensors.findById(sensorId, PLACEMENT_FIELDS).lean<SensorPlacement>();
    if (!sensor) throw new AppError('not_found', `No sensor with id ${sensorId}.`);
    return sensor;
  }

  /** Every layer a sensor inherits, widest first, and its desired revision. */
  async layersFor(sensor: SensorPlacement): Promise<{ layers: SettingsLayer[]; revision: number }> {
    const chain: ScopeRef[] = [{ kind: 'global', id: null }];
    if (sensor.siteId) chain.push({ kind: 'site', id: sensor.siteId });
    if (sensor.zoneId) chain.push({ kind: 'zone', id: sensor.zoneId });
    chain.push({ kind: 'sensor', id: sensor._id });
    return this.layersOf(chain);
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
export type SettingsApi = Omit<SettingsService, 'effectiveFor' | 'recordApplyResult'>;
