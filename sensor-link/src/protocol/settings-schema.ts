/**
 * The sensor settings contract, shared by the console (API validation, storage,
 * merge) and sensor-link (what it accepts and applies). Pure zod: no server or
 * file-system imports, so the sensor side can load it alone.
 *
 * One schema serves a scope's overrides AND a sensor's effective settings:
 * every section and every field is optional, because a scope (global, site,
 * zone, sensor) sets only what it overrides. Checks that need two fields of one
 * section (NTP enabled needs a server) run only when the scope sets both.
 *
 * Secret fields (see SETTINGS_SECRET_FIELDS) are plain strings here: the console
 * seals them at rest and masks them in its API; the sensor receives them in clear
 * over mutual TLS only.
 */
import { z } from 'zod';

export const DATE_FORMATS = ['dd/MM/yyyy HH:mm:ss', 'MM/dd/yyyy HH:mm:ss', 'yyyy/MM/dd HH:mm:ss'] as const;
export const MAIL_SECURITY = ['none', 'starttls', 'tls'] as const;
export const SNMP_VERSIONS = ['v2c', 'v3'] as const;
export const SNMP_AUTH_PROTOCOLS = ['SHA', 'SHA-256', 'SHA-512'] as const;
export const SNMP_PRIV_PROTOCOLS = ['AES', 'AES-256'] as const;
/** The sensor's own roles, which Active Directory groups map onto. */
export const SENSOR_ROLES = ['admin', 'security-analyst', 'read-only'] as const;

/** Field paths (section.field) whose values are secrets. */
export const SETTINGS_SECRET_FIELDS = ['mail.password', 'snmp.community', 'snmp.v3AuthPassword', 'snmp.v3PrivPassword'] as const;
export type SettingsSecretField = (typeof SETTINGS_SECRET_FIELDS)[number];

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function isIpAddress(value: string): boolean {
  return z.ipv4().safeParse(value).success || z.ipv6().safeParse(value).success;
}

/** A DNS host name (RFC 1123): dot-separated labels of letters, digits and inner hyphens. */
export function isHostName(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label)) && !/^[\d.]+$/.test(name);
}

/** IANA names as the runtime knows them; 'UTC' is valid but missing from some runtimes' list. */
export function isTimeZone(value: string): boolean {
  if (value === 'UTC' || Intl.supportedValuesOf('timeZone').includes(value)) return true;
  // Aliases such as Asia/Calcutta are valid tzdata names but not in the canonical list.
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const port = z.number('must be a port number').int('must be a whole number').min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535');
const hostOrAddress = z
  .string('must be an IP address or host name')
  .trim()
  .refine((value) => isIpAddress(value) || isHostName(value), 'must be an IPv4 or IPv6 address or a host name');
const ipAddress = z.string('must be an IP address').trim().refine(isIpAddress, 'must be an IPv4 or IPv6 address');
const secret = (what: string) => z.string(`must be the ${what}`).min(1, `the ${what} must not be empty`).max(256, `the ${what} must be at most 256 characters`);
const uniqueBy = <Item>(key: (item: Item) => string, message: string) => (items: Item[], context: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const itemKey = key(item);
    if (seen.has(itemKey)) context.addIssue({ code: 'custom', message, path: [index] });
    seen.add(itemKey);
  });
};

export const ntpServerSchema = z.strictObject({ address: hostOrAddress, port: port.default(123) });

export const ntpSchema = z
  .strictObject({
    enabled: z.boolean('must be true or false').optional(),
    servers: z
      .array(ntpServerSchema, 'must be a list of servers')
      .max(10, 'must list at most 10 servers')
      .superRefine(uniqueBy((server) => `${server.address.toLowerCase()}:${server.port}`, 'is listed twice'))
      .optional(),
  })
  .refine((ntp) => !(ntp.enabled === true && ntp.servers !== undefined && ntp.servers.length === 0), {
    message: 'must list at least one server when NTP is enabled',
    path: ['servers'],
  });

export const timeRegionSchema = z.strictObject({
  timeZone: z.string('must be an IANA time zone name').refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC').optional(),
  dateFormat: z.enum(DATE_FORMATS, { message: `must be one of ${DATE_FORMATS.join(', ')}` }).optional(),
});

export const dnsSchema = z.strictObject({
  // resolv.conf reads at most three name servers; more would be silently ignored on the sensor.
  servers: z.array(ipAddress, 'must be a list of IP addresses').max(3, 'must list at most 3 name servers').optional(),
});

export const mailSchema = z.strictObject({
  host: hostOrAddress.optional(),
  port: port.optional(),
  security: z.enum(MAIL_SECURITY, { message: `must be one of ${MAIL_SECURITY.join(', ')}` }).optional(),
  sender: z.email('must be an email address').optional(),
  username: z.string('must be text').trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
  password: secret('mail server password').optional(),
});

const SNMP_TEXT = /^[\x21-\x7e]+$/;
/**
 * Flat fields rather than a v2c/v3 union, so scopes can override them one by one;
 * the sensor uses the fields of the version in effect and ignores the others.
 */
export const snmpSchema = z.strictObject({
  enabled: z.boolean('must be true or false').optional(),
  version: z.enum(SNMP_VERSIONS, { message: 'must be v2c or v3' }).optional(),
  community: secret('community').regex(SNMP_TEXT, 'must be printable ASCII without spaces').max(64, 'must be at most 64 characters').optional(),
  v3Username: z.string('must be text').regex(SNMP_TEXT, 'must be printable ASCII without spaces').max(32, 'must be at most 32 characters').optional(),
  v3AuthProtocol: z.enum(SNMP_AUTH_PROTOCOLS, { message: `must be one of ${SNMP_AUTH_PROTOCOLS.join(', ')}` }).optional(),
  v3AuthPassword: secret('authentication password').min(8, 'must be at least 8 characters (SNMPv3)').optional(),
  v3PrivProtocol: z.enum(SNMP_PRIV_PROTOCOLS, { message: `must be one of ${SNMP_PRIV_PROTOCOLS.join(', ')}` }).optional(),
  v3PrivPassword: secret('privacy password').min(8, 'must be at least 8 characters (SNMPv3)').optional(),
  allowedManagers: z.array(ipAddress, 'must be a list of IP addresses').max(20, 'must list at most 20 managers').optional(),
});

export const activeDirectorySchema = z.strictObject({
  enabled: z.boolean('must be true or false').optional(),
  domainController: hostOrAddress.optional(),
  port: port.optional(),
  domain: z.string('must be a domain name').trim().refine(isHostName, 'must be a domain name such as corp.example.com').optional(),
  // An array of objects, not a map: group names may contain '.' which MongoDB keys cannot.
  groupRoles: z
    .array(
      z.strictObject({
        group: z.string('must be a group name').trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
        role: z.enum(SENSOR_ROLES, { message: `must be one of ${SENSOR_ROLES.join(', ')}` }),
      }),
      'must be a list of { group, role }',
    )
    .max(50, 'must list at most 50 mappings')
    .superRefine(uniqueBy((mapping) => mapping.group.toLowerCase(), 'maps the same group twice'))
    .optional(),
});

/** An address range as [first, last] numbers in one family. */
interface AddressRange {
  family: 4 | 6;
  first: bigint;
  last: bigint;
}

function ipv4ToNumber(address: string): bigint {
  return address.split('.').reduce((total, part) => (total << 8n) + BigInt(Number(part)), 0n);
}

function ipv6ToNumber(address: string): bigint {
  let text = address.toLowerCase();
  const embedded = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (embedded?.[1]) {
    const value = ipv4ToNumber(embedded[1]);
    text = `${text.slice(0, -embedded[1].length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.reduce((total, group) => (total << 16n) + BigInt(parseInt(group, 16)), 0n);
}

/** The range of a valid CIDR, or a reason it is not one. */
export function cidrRange(cidr: string): AddressRange | { problem: string } {
  const v4 = z.cidrv4().safeParse(cidr).success;
  if (!v4 && !z.cidrv6().safeParse(cidr).success) return { problem: 'must be an IPv4 or IPv6 range such as 10.0.0.0/8 or fd00::/8' };
  const [address = '', prefixText = ''] = cidr.split('/');
  const bits = v4 ? 32n : 128n;
  const prefix = BigInt(prefixText);
  const base = v4 ? ipv4ToNumber(address) : ipv6ToNumber(address);
  const hostMask = (1n << (bits - prefix)) - 1n;
  if ((base & hostMask) !== 0n) return { problem: 'has host bits set: give the network address of the range' };
  return { family: v4 ? 4 : 6, first: base, last: base | hostMask };
}

export const subnetsSchema = z
  .array(
    z.strictObject({
      cidr: z.string('must be a range such as 10.0.0.0/8').trim().toLowerCase().superRefine((cidr, context) => {
        const range = cidrRange(cidr);
        if ('problem' in range) context.addIssue({ code: 'custom', message: range.problem });
      }),
      name: z.string('must be a name').trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    }),
    'must be a list of { cidr, name }',
  )
  .max(1000, 'must list at most 1000 subnets')
  .superRefine((subnets, context) => {
    const ranges = subnets.map((subnet) => cidrRange(subnet.cidr));
    ranges.forEach((range, index) => {
      if ('problem' in range) return;
      const clash = ranges.findIndex((other, otherIndex) => otherIndex < index && !('problem' in other) && other.family === range.family && other.first <= range.last && range.first <= other.last);
      if (clash >= 0) context.addIssue({ code: 'custom', message: `overlaps subnet ${clash} (${subnets[clash]?.cidr})`, path: [index, 'cidr'] });
    });
  });

export const portAliasesSchema = z
  .array(
    z.strictObject({
      port,
      protocol: z.enum(['tcp', 'udp'], { message: 'must be tcp or udp' }),
      alias: z.string('must be a name').trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    }),
    'must be a list of { port, protocol, alias }',
  )
  .max(1000, 'must list at most 1000 aliases')
  .superRefine(uniqueBy((entry) => `${entry.port}/${entry.protocol}`, 'gives the same port and protocol a second alias'));

/** Bits per second of one unit of the seed CLI (`cyberx-xsense-limit-interface --limit`); decimal (SI) multiples, as tc uses. */
export const BANDWIDTH_UNITS = { bps: 8, kbps: 8_000, mbps: 8_000_000, kbit: 1_000, mbit: 1_000_000 } as const;
const MAX_BITS_PER_SECOND = 100_000_000_000;

/** '30kbit' → 30000; kbps/mbps are bytes, kbit/mbit are bits, bps or a bare number are bytes per second. */
export function parseBandwidth(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(bps|kbps|mbps|kbit|mbit)?$/i.exec(text.trim());
  if (!match?.[1]) return null;
  const unit = (match[2]?.toLowerCase() ?? 'bps') as keyof typeof BANDWIDTH_UNITS;
  const bitsPerSecond = Math.round(Number(match[1]) * BANDWIDTH_UNITS[unit]);
  return bitsPerSecond >= 1 && bitsPerSecond <= MAX_BITS_PER_SECOND ? bitsPerSecond : null;
}

/** Accepts the CLI text or a stored `{ text, bitsPerSecond }`; the number is always recomputed from the text. */
export const uploadBandwidthLimitSchema = z
  .union([z.string(), z.strictObject({ text: z.string(), bitsPerSecond: z.number().optional() })], 'must be a limit such as 30kbit, 2mbit, 500kbps or 1000')
  .transform((value, context) => {
    const text = (typeof value === 'string' ? value : value.text).trim();
    const bitsPerSecond = parseBandwidth(text);
    if (bitsPerSecond === null) {
      context.addIssue({ code: 'custom', message: 'must be a number with an optional unit (kbps, mbps, kbit, mbit, bps), e.g. 30kbit, above 0 and at most 100 Gbit/s' });
      return z.NEVER;
    }
    return { text, bitsPerSecond };
  });

/** Named, typed sensor properties: a small known set rather than a free-text properties file. */
export const systemPropertiesSchema = z.strictObject({
  maxFailedLogins: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').optional(),
  sessionTimeoutMinutes: z.number('must be a number').int('must be a whole number').min(5, 'must be at least 5').max(1440, 'must be at most 1440 (one day)').optional(),
  backupEnabled: z.boolean('must be true or false').optional(),
  backupDirectoryPath: z
    .string('must be a path')
    .regex(/^\/[^\0]*$/, 'must be an absolute path')
    .refine((path) => !path.split('/').includes('..'), 'must not contain ..')
    .max(255, 'must be at most 255 characters')
    .optional(),
  captureRetentionDays: z.number('must be a number').int('must be a whole number').min(1, 'must be at least 1').max(3650, 'must be at most 3650').optional(),
});

export const sensorSettingsSchema = z.strictObject({
  ntp: ntpSchema.optional(),
  timeRegion: timeRegionSchema.optional(),
  dns: dnsSchema.optional(),
  mail: mailSchema.optional(),
  snmp: snmpSchema.optional(),
  activeDirectory: activeDirectorySchema.optional(),
  subnets: subnetsSchema.optional(),
  portAliases: portAliasesSchema.optional(),
  uploadBandwidthLimit: uploadBandwidthLimitSchema.optional(),
  systemProperties: systemPropertiesSchema.optional(),
});

/** What a client or the database gives (bandwidth as text). */
export type SensorSettingsInput = z.input<typeof sensorSettingsSchema>;
/** Parsed settings: defaults filled, bandwidth normalised. */
export type SensorSettings = z.output<typeof sensorSettingsSchema>;

/**
 * Sections whose value is replaced whole by a narrower scope (lists and the
 * bandwidth value); every other section merges field by field.
 */
export const WHOLE_VALUE_SECTIONS = ['subnets', 'portAliases', 'uploadBandwidthLimit'] as const;
