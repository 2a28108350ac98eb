/**
 * Who may query the SNMP agent: a v2c community, SNMPv3 users (authPriv only:
 * SHA or SHA-256 authentication, AES privacy) and an optional list of manager
 * addresses. Stored as one document with every secret sealed (SecretBox);
 * the API shows secrets as '••••' and takes '••••' back as "keep the stored one".
 */
import { BlockList, isIP } from 'node:net';
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import { AppError } from '../platform/errors.js';
import { MASKED, maskSecret, type SecretBox } from '../platform/secrets/secret-box.js';

export const SNMP_AGENT_COLLECTION = 'snmpAgentSettings';
const DOCUMENT_ID = 'agent';

export const AUTH_PROTOCOLS = ['sha', 'sha256'] as const;
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];

/** RFC 3414 needs at least 8 characters for passphrases; '••••' keeps the stored one. */
const passphrase = (what: string) =>
  z
    .string(`must be the ${what}`)
    .max(128, `the ${what} must be at most 128 characters`)
    .refine((value) => value === MASKED || value.length >= 8, `the ${what} must be at least 8 characters`);

const managerAddress = z
  .string()
  .trim()
  .refine((value) => {
    const [address = '', prefix, ...rest] = value.split('/');
    if (rest.length > 0 || isIP(address) === 0) return false;
    if (prefix === undefined) return true;
    const bits = Number(prefix);
    return /^\d{1,3}$/.test(prefix) && bits <= (isIP(address) === 4 ? 32 : 128);
  }, 'must be an IP address or a subnet such as 10.0.0.0/24');

export const snmpAgentSettingsBody = z.strictObject({
  /** The v2c community; '' turns v2c off; '••••' keeps the stored one. */
  community: z.string('must be the v2c community (or "" for none)').max(64, 'must be at most 64 characters'),
  users: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1 to 32 letters, digits, ".", "_" or "-"'),
        authProtocol: z.enum(AUTH_PROTOCOLS, `must be one of ${AUTH_PROTOCOLS.join(', ')}`),
        authKey: passphrase('authentication passphrase'),
        privProtocol: z.literal('aes', "must be 'aes'"),
        privKey: passphrase('privacy passphrase'),
      }),
      'must be a list of SNMPv3 users',
    )
    .max(16, 'must list at most 16 users')
    .refine((users) => new Set(users.map((user) => user.name)).size === users.length, 'must not list a user name twice'),
  /** Empty: any address may ask (with the right credentials). */
  allowedManagers: z.array(managerAddress).max(64, 'must list at most 64 addresses'),
});
export type SnmpAgentSettingsBody = z.output<typeof snmpAgentSettingsBody>;

export interface SnmpUserSettings {
  name: string;
  authProtocol: AuthProtocol;
  authKey: string;
  privProtocol: 'aes';
  privKey: string;
}

/** Stored form: secrets sealed. */
interface SnmpAgentSettingsDocument {
  _id: string;
  community: string;
  users: SnmpUserSettings[];
  allowedManagers: string[];
  revision: number;
  updatedAt: Date;
  updatedBy: string;
}

/** Opened form, for the agent only. */
export interface SnmpAgentCredentials {
  community: string;
  users: SnmpUserSettings[];
  allowedManagers: string[];
  revision: number;
}

export const NO_CREDENTIALS: SnmpAgentCredentials = { community: '', users: [], allowedManagers: [], revision: 0 };

export function managerFilter(allowedManagers: string[]): (address: string) => boolean {
  if (allowedManagers.length === 0) return () => true;
  const list = new BlockList();
  for (const entry of allowedManagers) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}

export class SnmpAgentSettingsStore {
  private readonly collection: Collection<SnmpAgentSettingsDocument>;

  constructor(
    db: Db,
    private readonly secretBox: SecretBox,
  ) {
    this.collection = db.collection<SnmpAgentSettingsDocument>(SNMP_AGENT_COLLECTION);
  }

  /** The API view: secrets masked. */
  async view() {
    const stored = await this.collection.findOne({ _id: DOCUMENT_ID });
    return {
      community: maskSecret(stored?.community),
      users: (stored?.users ?? []).map((user) => ({ ...user, authKey: maskSecret(user.authKey), privKey: maskSecret(user.privKey) })),
      allowedManagers: stored?.allowedManagers ?? [],
      revision: stored?.revision ?? 0,
      updatedAt: stored?.updatedAt.toISOString() ?? null,
      updatedBy: stored?.updatedBy ?? null,
    };
  }

  async credentials(): Promise<SnmpAgentCredentials> {
    const stored = await this.collection.findOne({ _id: DOCUMENT_ID });
    if (!stored) return NO_CREDENTIALS;
    const open = (sealed: string, context: string) => (sealed === '' ? '' : this.secretBox.openText(sealed, context));
    return {
      community: open(stored.community, 'snmp-agent.community'),
      users: stored.users.map((user) => ({
        ...user,
        authKey: open(user.authKey, `snmp-agent.user.${user.name}.auth`),
        privKey: open(user.privKey, `snmp-agent.user.${user.name}.priv`),
      })),
      allowedManagers: stored.allowedManagers,
      revision: stored.revision,
    };
  }

  async save(body: SnmpAgentSettingsBody, updatedBy: string): Promise<void> {
    const stored = await this.collection.findOne({ _id: DOCUMENT_ID });
    const keep = (given: string, sealed: string | undefined, context: string, field: string): string => {
      if (given !== MASKED) return given === '' ? '' : this.secretBox.seal(given, context);
      if (sealed === undefined || sealed === '') {
        throw new AppError('validation_failed', `${field}: there is no stored secret to keep; enter it`, { problems: [{ path: field, message: 'there is no stored secret to keep; enter it' }] });
      }
      return sealed;
    };
    const users = body.users.map((user, index) => {
      const before = stored?.users.find((known) => known.name === user.name);
      return {
        ...user,
        authKey: keep(user.authKey, before?.authKey, `snmp-agent.user.${user.name}.auth`, `users.${index}.authKey`),
        privKey: keep(user.privKey, before?.privKey, `snmp-agent.user.${user.name}.priv`, `users.${index}.privKey`),
      };
    });
    const community = keep(body.community, stored?.community, 'snmp-agent.community', 'community');
    const revision = (stored?.revision ?? 0) + 1;
    // Conditional on the revision read: of two saves at once, the second is refused instead of lost.
    const result = await this.collection.updateOne(
      { _id: DOCUMENT_ID, ...(stored ? { revision: stored.revision } : {}) },
      { $set: { community, users, allowedManagers: body.allowedManagers, revision, updatedAt: new Date(), updatedBy } },
      { upsert: !stored },
    );
    if (result.matchedCount === 0 && result.upsertedCount === 0) throw new AppError('conflict', 'The SNMP agent settings were changed at the same time; load them again.');
  }
}
