/**
 * Secrets inside action configs (SMTP password, SNMP community and v3 keys,
 * webhook secret, TLS client key and passphrase) are write-only:
 * - at rest they are sealed with SecretBox under the context
 *   `notifications.<action type>.<field>`, and kept apart from the plain config;
 * - the API shows `••••` for a set secret and '' / null for an unset one;
 * - sending `••••` back keeps the stored value, so a client can save a form
 *   without knowing the secrets it shows.
 */
import { MASKED, type SecretBox } from '../../../platform/secrets/secret-box.js';
import type { ActionType } from '../actions/action-contract.js';

export type PlainConfig = Record<string, unknown>;

export interface StoredAction {
  id: string;
  type: string;
  /** The config without its secrets. */
  config: PlainConfig;
  /** Sealed secrets by field name; a field that is not set is absent. */
  secrets: Record<string, string>;
}

function secretContext(actionType: ActionType, field: string): string {
  return `notifications.${actionType.type}.${field}`;
}

/** Replaces masked secrets in `input` with the stored plaintext (for validation and re-sealing). */
export function restoreMaskedSecrets(actionType: ActionType, input: PlainConfig, previous: StoredAction | undefined, box: SecretBox): PlainConfig {
  const restored = { ...input };
  for (const field of actionType.secretFields) {
    if (restored[field] !== MASKED) continue;
    const sealed = previous?.type === actionType.type ? previous.secrets[field] : undefined;
    // A mask with nothing stored behind it means "not set".
    restored[field] = sealed === undefined ? null : box.openText(sealed, secretContext(actionType, field));
  }
  return restored;
}

/** Splits a validated config into its plain part and its sealed secrets. */
export function sealSecrets(actionType: ActionType, id: string, config: PlainConfig, box: SecretBox): StoredAction {
  const plain: PlainConfig = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(config)) {
    if (!actionType.secretFields.includes(field)) {
      plain[field] = value;
    } else if (typeof value === 'string' && value !== '') {
      secrets[field] = box.seal(value, secretContext(actionType, field));
    }
  }
  return { id, type: actionType.type, config: plain, secrets };
}

/** The full config with secrets opened: only for sending, never for the API or logs. */
export function openSecrets(actionType: ActionType, stored: StoredAction, box: SecretBox): PlainConfig {
  const config: PlainConfig = { ...stored.config };
  for (const field of actionType.secretFields) {
    const sealed = stored.secrets[field];
    config[field] = sealed === undefined ? null : box.openText(sealed, secretContext(actionType, field));
  }
  return config;
}

/** The config as the API shows it: secrets masked. */
export function maskedConfig(actionType: ActionType, stored: StoredAction): PlainConfig {
  const config: PlainConfig = { ...stored.config };
  for (const field of actionType.secretFields) config[field] = stored.secrets[field] === undefined ? null : MASKED;
  return config;
}
