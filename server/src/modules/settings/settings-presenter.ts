/**
 * API shapes of settings. Every secret leaves as '••••' (or '' when unset):
 * presenters only ever see sealed settings from the service, never the
 * link-only decrypted form.
 */
import type { FieldOrigin } from './settings-merge.js';
import type { SettingsPreview } from './settings-preview.js';
import { maskSecrets } from './settings-secrets.js';
import type { EffectiveState, ScopeState } from './settings-service.js';

export function presentScope(state: ScopeState) {
  return {
    scope: state.scope,
    revision: state.revision,
    settings: maskSecrets(state.settings),
    updatedAt: state.updatedAt?.toISOString() ?? null,
    updatedBy: state.updatedBy,
  };
}

/** Origins as a list: field paths contain dots, which clients should not have to split keys on. */
function presentOrigins(origins: Record<string, FieldOrigin>) {
  return Object.entries(origins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([field, origin]) => ({ field, source: origin.source, scopeId: origin.scopeId }));
}

export function presentEffective(state: EffectiveState) {
  return {
    sensorId: state.sensorId,
    sensorName: state.sensorName,
    revision: state.revision,
    settings: maskSecrets(state.settings),
    origins: presentOrigins(state.origins),
    problems: state.problems,
  };
}

export function presentPreview(preview: SettingsPreview) {
  return {
    scope: preview.scope,
    changedFields: preview.changedFields,
    sensorsInScope: preview.sensorsInScope,
    affected: preview.affected,
    sample: preview.sample ? presentEffective(preview.sample) : null,
  };
}
