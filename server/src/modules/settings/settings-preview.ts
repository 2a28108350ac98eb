/**
 * "What would this change do?" before saving: which fields change, which
 * sensors' effective values change (a sensor whose narrower scope overrides
 * every changed field is covered by the scope but not affected), and the
 * resulting effective settings of one sensor. Nothing is written.
 */
import { AppError } from '../../platform/errors.js';
import { changedFields, fieldsOf } from './settings-merge.js';
import { scopeKey, type SettingsModels } from './settings-model.js';
import type { EffectiveState, ScopeRef, SensorPlacement, SettingsService } from './settings-service.js';

/** Lists longer than this are cut (the count stays exact); the UI shows the first ones. */
const MAX_LISTED_SENSORS = 500;

export interface SettingsPreview {
  scope: ScopeRef;
  changedFields: string[];
  /** Sensors the scope covers; all of them get a new desired revision on save. */
  sensorsInScope: number;
  /** Sensors whose effective values change. */
  affected: { count: number; sensors: Array<{ id: string; name: string }>; truncated: boolean };
  /** Effective settings of the chosen sensor (or the first affected one) after the change; secrets sealed. */
  sample: EffectiveState | null;
}

const NARROWER: Record<ScopeRef['kind'], Array<ScopeRef['kind']>> = {
  global: ['site', 'zone', 'sensor'],
  site: ['zone', 'sensor'],
  zone: ['sensor'],
  sensor: [],
};

export type PreviewService = Pick<SettingsService, 'getScope' | 'prepare' | 'sensorsIn' | 'effectiveWith'>;

export async function previewChange(
  service: PreviewService,
  models: SettingsModels,
  scope: ScopeRef,
  input: unknown,
  sampleSensorId: string | undefined,
): Promise<SettingsPreview> {
  const current = await service.getScope(scope);
  const proposed = await service.prepare(scope, input, current.settings);
  const changed = changedFields(current.settings, proposed);
  const sensors = await service.sensorsIn(scope);

  // Which fields each narrower scope overrides, read once for all sensors.
  const narrower = await models.scopes.find({ kind: { $in: NARROWER[scope.kind] } }, { settings: 1 }).lean();
  const overrides = new Map(narrower.map((document) => [document._id, new Set(fieldsOf(document.settings).keys())]));
  const isAffected = (sensor: SensorPlacement): boolean => {
    const keys = [sensor.siteId ? scopeKey('site', sensor.siteId) : null, sensor.zoneId ? scopeKey('zone', sensor.zoneId) : null, scopeKey('sensor', sensor._id)];
    const overridden = keys.flatMap((key) => [...((key && overrides.get(key)) || [])]);
    return changed.some((path) => !overridden.includes(path));
  };
  const affected = sensors.filter(isAffected);

  let sampleSensor: SensorPlacement | undefined;
  if (sampleSensorId !== undefined) {
    sampleSensor = sensors.find((sensor) => sensor._id === sampleSensorId);
    if (!sampleSensor) {
      throw new AppError('validation_failed', `The request body is not valid: sampleSensorId: sensor ${sampleSensorId} is not in this scope`, {
        problems: [{ path: 'sampleSensorId', message: 'is not a sensor of this scope' }],
      });
    }
  } else {
    sampleSensor = affected[0] ?? sensors[0];
  }

  return {
    scope,
    changedFields: changed,
    sensorsInScope: sensors.length,
    affected: {
      count: affected.length,
      sensors: affected.slice(0, MAX_LISTED_SENSORS).map((sensor) => ({ id: sensor._id, name: sensor.name })),
      truncated: affected.length > MAX_LISTED_SENSORS,
    },
    sample: sampleSensor ? await service.effectiveWith(sampleSensor, scope, proposed) : null,
  };
}
