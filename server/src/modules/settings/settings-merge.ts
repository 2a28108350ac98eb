/**
 * How scopes combine. A *field* is `section.field` (`ntp.servers`,
 * `mail.password`) for object sections, or the whole section for list and
 * single-value sections (`subnets`, `portAliases`, `uploadBandwidthLimit`).
 *
 * Merge rule: layers are applied widest first (defaults, global, site, zone,
 * sensor) and the narrowest layer that sets a field wins that field. A field's
 * value is never merged inside: lists (NTP servers, subnets, group mappings)
 * are REPLACED by a narrower scope, because an operator who lists a zone's NTP
 * servers means "these servers", not "these as well as the global ones".
 *
 * Everything here works on stored settings (secrets sealed) and on API input
 * alike; it never looks at values beyond equality.
 */
import { WHOLE_VALUE_SECTIONS } from '../../../../sensor-link/src/protocol/settings-schema.js';

export const SCOPE_KINDS = ['global', 'site', 'zone', 'sensor'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
/** Where an effective field came from: a scope, or the built-in default. */
export type SettingsSource = ScopeKind | 'default';

/** A settings object as stored or received: sections by name. */
export type SettingsObject = Record<string, unknown>;

export interface SettingsLayer {
  source: SettingsSource;
  /** The site, zone or sensor id; null for global and default. */
  scopeId: string | null;
  settings: SettingsObject;
}

export interface FieldOrigin {
  source: SettingsSource;
  scopeId: string | null;
}

/**
 * What a sensor gets when no scope says otherwise. NTP is off until the
 * console's own servers are entered at the global scope (CLI `ntp enable` or
 * PUT /settings/global); then every sensor inherits them.
 */
export const DEFAULT_SETTINGS: SettingsObject = {
  ntp: { enabled: false, servers: [] },
  timeRegion: { timeZone: 'UTC', dateFormat: 'dd/MM/yyyy HH:mm:ss' },
};

const WHOLE = new Set<string>(WHOLE_VALUE_SECTIONS);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every field a settings object sets, as path → value. */
export function fieldsOf(settings: SettingsObject): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const [section, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (WHOLE.has(section) || !isPlainObject(value)) {
      fields.set(section, value);
      continue;
    }
    for (const [field, fieldValue] of Object.entries(value)) {
      if (fieldValue !== undefined) fields.set(`${section}.${field}`, fieldValue);
    }
  }
  return fields;
}

/** The inverse of fieldsOf. */
export function settingsFromFields(fields: Map<string, unknown>): SettingsObject {
  const settings: SettingsObject = {};
  for (const [path, value] of fields) {
    const dot = path.indexOf('.');
    if (dot < 0) {
      settings[path] = value;
      continue;
    }
    const section = path.slice(0, dot);
    const existing = settings[section];
    const target = isPlainObject(existing) ? existing : {};
    target[path.slice(dot + 1)] = value;
    settings[section] = target;
  }
  return settings;
}

export interface MergedSettings {
  settings: SettingsObject;
  origins: Record<string, FieldOrigin>;
}

/** Merges layers given widest first; the last layer setting a field wins it. */
export function mergeLayers(layers: SettingsLayer[]): MergedSettings {
  const merged = new Map<string, unknown>();
  const origins: Record<string, FieldOrigin> = {};
  for (const layer of layers) {
    for (const [path, value] of fieldsOf(layer.settings)) {
      merged.set(path, value);
      origins[path] = { source: layer.source, scopeId: layer.scopeId };
    }
  }
  return { settings: settingsFromFields(merged), origins };
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Field paths whose value differs between two settings objects (set, unset or changed), sorted. */
export function changedFields(before: SettingsObject, after: SettingsObject): string[] {
  const beforeFields = fieldsOf(before);
  const afterFields = fieldsOf(after);
  const paths = new Set([...beforeFields.keys(), ...afterFields.keys()]);
  return [...paths].filter((path) => canonicalJson(beforeFields.get(path)) !== canonicalJson(afterFields.get(path))).sort();
}

/** Reads `section.field` (or `section`) of a settings object. */
export function fieldValue(settings: SettingsObject, path: string): unknown {
  return fieldsOf(settings).get(path);
}

/** Returns a copy with `section.field` set to value (or removed when value is undefined). */
export function withField(settings: SettingsObject, path: string, value: unknown): SettingsObject {
  const fields = fieldsOf(settings);
  if (value === undefined) fields.delete(path);
  else fields.set(path, value);
  return settingsFromFields(fields);
}
