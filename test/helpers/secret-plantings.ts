/**
 * Every kind of secret the console keeps, planted through the API with a
 * distinctive marker value, for the secret-leak test. One entry per secret:
 *
 *   chosen('SMTP password', 'PUT', '/notifications/smtp', (marker) => ({ …, password: marker }))
 *   issued('API token', 'POST', '/api-tokens', { … }, (answer) => [answer.token])
 *
 * `chosen` secrets are values a person types (the marker is generated here);
 * `issued` ones are made by the console and shown once (the marker is taken
 * from that one answer). Adding a secret to the console means adding a line here.
 * A request that sets several secrets at once gives each the marker plus a
 * suffix, so a search for the marker finds any of them. Paths may name
 * `{siteId}`, `{zoneId}` or `{sensorId}` of the test's fixture.
 */
import { randomBytes } from 'node:crypto';
import { parseConnectionString } from '../../sensor-link/src/protocol/connection-string.js';

export interface PlantingRequest {
  method: string;
  path: string;
  body: unknown;
}

export interface SecretPlanting {
  /** What the secret is, for failure messages. */
  secret: string;
  /** The request that stores it, given a fresh marker. */
  request(marker: string): PlantingRequest;
  /** The values to look for once the request succeeded: the marker itself, or what the console issued. */
  markers(marker: string, answer: Record<string, unknown>): string[];
}

function chosen(secret: string, method: string, path: string, body: (marker: string) => unknown): SecretPlanting {
  return { secret, request: (marker) => ({ method, path, body: body(marker) }), markers: (marker) => [marker] };
}

function issued(secret: string, method: string, path: string, body: unknown, markers: (answer: Record<string, unknown>) => string[]): SecretPlanting {
  return { secret, request: () => ({ method, path, body }), markers: (_marker, answer) => markers(answer) };
}

/** A marker no real data contains: letters and digits only, so it survives every field's pattern. */
export function newMarker(): string {
  return `Lk${randomBytes(9).toString('hex')}Zq`;
}

/** Stands for the scope's current revision: the test reads it (GET of the same path) before saving. */
export const CURRENT_REVISION = -1;

const SNMP_V3_USER = { version: 'v3', user: 'leakuser', securityLevel: 'authPriv', authProtocol: 'sha256', privProtocol: 'aes' };
const rule = (name: string, action: unknown) => ({ name, conditions: { eventTypes: ['all'] }, actions: [action] });

export const SECRET_PLANTINGS: SecretPlanting[] = [
  chosen('user password', 'POST', '/users', (marker) => ({ username: 'leak-user', role: 'read-only', password: `pw-${marker}` })),
  issued('API token', 'POST', '/api-tokens', { name: 'leak token', role: 'read-only', expiresInDays: 1 }, (answer) => [String(answer.token)]),
  issued('connection string secret', 'POST', '/connection-strings', {}, (answer) => [String(answer.connectionString), parseConnectionString(String(answer.connectionString)).secret]),
  chosen('SMTP password', 'PUT', '/notifications/smtp', (marker) => ({ host: '127.0.0.1', port: 9, security: 'none', username: 'mailer', password: marker, sender: 'garrison@example.org' })),
  chosen('webhook HMAC secret', 'POST', '/notifications/rules', (marker) => rule('leak webhook', { type: 'webhook', config: { url: 'https://127.0.0.1:9/hook', secret: `hmac-${marker}` } })),
  chosen('SNMPv3 trap auth passphrase', 'POST', '/notifications/rules', (marker) => rule('leak snmp auth', { type: 'snmp-trap', config: { host: '127.0.0.1', port: 9, ...SNMP_V3_USER, authKey: marker, privKey: 'privacy-key-0001' } })),
  chosen('SNMPv3 trap priv passphrase', 'POST', '/notifications/rules', (marker) => rule('leak snmp priv', { type: 'snmp-trap', config: { host: '127.0.0.1', port: 9, ...SNMP_V3_USER, authKey: 'auth-key-00001', privKey: marker } })),
  chosen('SNMPv2c trap community', 'POST', '/notifications/rules', (marker) => rule('leak snmp community', { type: 'snmp-trap', config: { host: '127.0.0.1', port: 9, version: 'v2c', community: marker } })),
  chosen('SNMP agent community and v3 auth/priv keys', 'PUT', '/snmp-agent', (marker) => ({ community: `${marker}c`, users: [{ name: 'leakagent', authProtocol: 'sha256', authKey: `${marker}a`, privProtocol: 'aes', privKey: `${marker}p` }], allowedManagers: [] })),
  chosen('sensor mail password (settings)', 'PUT', '/settings/global', (marker) => ({ baseRevision: CURRENT_REVISION, settings: { mail: { host: 'mail.example.org', username: 'sensor', password: marker } } })),
  chosen('sensor SNMP community and v3 auth/priv passwords (settings)', 'PUT', '/settings/sites/{siteId}', (marker) => ({ baseRevision: CURRENT_REVISION, settings: { snmp: { enabled: true, version: 'v3', community: `${marker}c`, v3Username: 'sensor', v3AuthProtocol: 'SHA-256', v3AuthPassword: `${marker}a`, v3PrivProtocol: 'AES', v3PrivPassword: `${marker}p` } } })),
  chosen('SMB password (backup target)', 'POST', '/backup-targets', (marker) => ({ kind: 'smb', name: 'leak share', host: '127.0.0.1', port: 9, share: 'backups', user: 'backup', password: marker })),
];
