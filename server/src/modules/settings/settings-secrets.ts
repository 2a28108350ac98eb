/**
 * Secrets inside settings: sealed with the SecretBox at rest (context
 * `settings.<field path>`), masked as '••••' in every API answer, and sending the
 * mask back keeps the stored value. Only `openSecrets` yields plaintext, and only
 * the sensor-link path (SettingsService.effectiveFor) calls it.
 */
import { SETTINGS_SECRET_FIELDS } from '../../../../sensor-link/src/protocol/settings-schema.js';
import { AppError } from '../../platform/errors.js';
import { MASKED, maskSecret, type SecretBox } from '../../platform/secrets/secret-box.js';
import { fieldValue, withField, type SettingsObject } from './settings-merge.js';

/**
 * Stands in for a masked secret while the request is validated: it passes every
 * secret rule (printable, 8+ characters), and is swapped for the stored sealed
 * value right after, so it is never stored or sent.
 */
const KEEP_PLACEHOLDER = 'garrison-keep-stored-secret';

export function secretContext(path: string): string {
  return `settings.${path}`;
}

/** Replaces each masked secret by a placeholder; returns the input to validate and the paths to keep. */
export function setAsideMaskedSecrets(input: unknown): { input: unknown; keptPaths: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { input, keptPaths: [] };
  let settings = input as SettingsObject;
  const keptPaths: string[] = [];
  for (const path of SETTINGS_SECRET_FIELDS) {
    if (fieldValue(settings, path) === MASKED) {
      settings = withField(settings, path, KEEP_PLACEHOLDER);
      keptPaths.push(path);
    }
  }
  return { input: settings, keptPaths };
}

/**
 * Seals new secrets and puts back the stored sealed value where the client sent
 * the mask. A mask with nothing stored is refused: there is no value to keep.
 */
export function sealSecrets(parsed: SettingsObject, keptPaths: string[], stored: SettingsObject | null, secretBox: SecretBox): SettingsObject {
  let sealed = parsed;
  for (const path of SETTINGS_SECRET_FIELDS) {
    const value = fieldValue(parsed, path);
    if (value === undefined) continue;
    if (keptPaths.includes(path)) {
      const existing = stored ? fieldValue(stored, path) : undefined;
      if (typeof existing !== 'string') {
        throw new AppError('validation_failed', `The request body is not valid: ${path}: no stored secret to keep; enter the value`, {
          problems: [{ path: `settings.${path}`, message: 'no stored secret to keep; enter the value' }],
        });
      }
      sealed = withField(sealed, path, existing);
    } else if (typeof value === 'string') {
      sealed = withField(sealed, path, secretBox.seal(value, secretContext(path)));
    }
  }
  return sealed;
}

/** The API view: every set secret becomes '••••'. */
export function maskSecrets(settings: SettingsObject): SettingsObject {
  let masked = settings;
  for (const path of SETTINGS_SECRET_FIELDS) {
    const value = fieldValue(settings, path);
    if (typeof value === 'string') masked = withField(masked, path, maskSecret(value));
  }
  return masked;
}

/** Stored secrets with a placeholder in place of each, so merged settings can be re-validated without decrypting. */
export function placeholderSecrets(settings: SettingsObject): SettingsObject {
  let placeholders = settings;
  for (const path of SETTINGS_SECRET_FIELDS) {
    if (typeof fieldValue(settings, path) === 'string') placeholders = withField(placeholders, path, KEEP_PLACEHOLDER);
  }
  return placeholders;
}

/** Plaintext secrets, for the sensor link only (server → sensor over mutual TLS). */
export function openSecrets(settings: SettingsObject, secretBox: SecretBox): SettingsObject {
  let opened = settings;
  for (const path of SETTINGS_SECRET_FIELDS) {
    const value = fieldValue(settings, path);
    if (typeof value === 'string') opened = withField(opened, path, secretBox.openText(value, secretContext(path)));
  }
  return opened;
}
