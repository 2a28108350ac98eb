/** A scope's settings as the editor changes them: set or unset one field, read it back, list what is set. */
import { MASKED_SECRET } from '../../components/secret-input';
import { SETTINGS_SECTIONS, type SectionSpec } from './settings-sections';

export type SettingsDraft = Record<string, unknown>;

function sectionObject(draft: SettingsDraft, section: string): Record<string, unknown> {
  const value = draft[section];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function fieldValue(draft: SettingsDraft, spec: SectionSpec, field: string): unknown {
  return spec.shape === 'whole' ? draft[spec.key] : sectionObject(draft, spec.key)[field];
}

/** undefined unsets the field; a section left empty is removed (nothing overridden there). */
export function withField(draft: SettingsDraft, spec: SectionSpec, field: string, value: unknown): SettingsDraft {
  const next = { ...draft };
  if (spec.shape === 'whole') {
    if (value === undefined) delete next[spec.key];
    else next[spec.key] = value;
    return next;
  }
  const section = { ...sectionObject(draft, spec.key) };
  if (value === undefined) delete section[field];
  else section[field] = value;
  if (Object.keys(section).length === 0) delete next[spec.key];
  else next[spec.key] = section;
  return next;
}

/** How many fields of a section this scope sets. */
export function overrideCount(draft: SettingsDraft, spec: SectionSpec): number {
  if (spec.shape === 'whole') return draft[spec.key] === undefined ? 0 : 1;
  return Object.keys(sectionObject(draft, spec.key)).length;
}

/** 'mail.password'-style paths of secrets stored at this scope (they read as '••••'). */
export function storedSecretPaths(settings: SettingsDraft): Set<string> {
  const paths = new Set<string>();
  for (const spec of SETTINGS_SECTIONS) {
    if (spec.shape !== 'fields') continue;
    for (const field of spec.fields) if (field.kind === 'secret' && sectionObject(settings, spec.key)[field.key] === MASKED_SECRET) paths.add(`${spec.key}.${field.key}`);
  }
  return paths;
}

/** A stored bandwidth limit reads back as { text, bitsPerSecond }; the editor sends the text. */
export function forSending(draft: SettingsDraft): SettingsDraft {
  const limit = draft.uploadBandwidthLimit;
  if (limit && typeof limit === 'object' && 'text' in limit) return { ...draft, uploadBandwidthLimit: (limit as { text: string }).text };
  return draft;
}
