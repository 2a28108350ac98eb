/**
 * Every settings group of the sensor settings contract
 * (sensor-link/src/protocol/settings-schema.ts) described for the editor: one
 * entry per section, one per field. The `satisfies` clauses tie the keys to the
 * contract's types, so a renamed or removed field fails the type check here.
 */
import type { SensorSettingsInput } from '../../api/payloads';

type Sections = Required<SensorSettingsInput>;
type ObjectSection = Exclude<keyof Sections, 'subnets' | 'portAliases' | 'uploadBandwidthLimit'>;
type FieldOf<Section extends ObjectSection> = keyof NonNullable<Sections[Section]> & string;

export interface ColumnSpec {
  key: string;
  label: string;
  kind: 'text' | 'number' | 'select';
  options?: readonly string[];
  width: number;
}

export type FieldSpec = {
  key: string;
  label: string;
  description?: string;
} & (
  | { kind: 'text'; placeholder?: string }
  | { kind: 'number'; min: number; max: number }
  | { kind: 'boolean' }
  | { kind: 'select'; options: readonly string[] }
  | { kind: 'secret' }
  | { kind: 'list'; placeholder: string; max: number }
  /** `item`: one row in words, for "Add …" and "Remove … 2". */
  | { kind: 'rows'; columns: ColumnSpec[]; max: number; item: string }
);

export type SectionSpec =
  | { key: ObjectSection; label: string; description: string; shape: 'fields'; fields: FieldSpec[] }
  /** The section's value is a list or one value, replaced whole by a narrower scope. */
  | { key: 'subnets' | 'portAliases' | 'uploadBandwidthLimit'; label: string; description: string; shape: 'whole'; field: FieldSpec };

function fields<Section extends ObjectSection>(_section: Section, list: Array<FieldSpec & { key: FieldOf<Section> }>): FieldSpec[] {
  return list;
}

const ROLES = ['admin', 'security-analyst', 'read-only'] as const;

export const SETTINGS_SECTIONS: SectionSpec[] = [
  {
    key: 'ntp',
    label: 'NTP',
    description: 'Where sensors take their time from.',
    shape: 'fields',
    fields: fields('ntp', [
      { key: 'enabled', label: 'Synchronise with NTP', kind: 'boolean' },
      { key: 'servers', label: 'NTP servers', kind: 'rows', item: 'NTP server', max: 10, columns: [{ key: 'address', label: 'Address', kind: 'text', width: 260 }, { key: 'port', label: 'Port', kind: 'number', width: 100 }] },
    ]),
  },
  {
    key: 'timeRegion',
    label: 'Time zone and date format',
    description: 'How sensors show times.',
    shape: 'fields',
    fields: fields('timeRegion', [
      { key: 'timeZone', label: 'Time zone', kind: 'text', placeholder: 'e.g. Europe/Berlin' },
      { key: 'dateFormat', label: 'Date format', kind: 'select', options: ['dd/MM/yyyy HH:mm:ss', 'MM/dd/yyyy HH:mm:ss', 'yyyy/MM/dd HH:mm:ss'] },
    ]),
  },
  {
    key: 'dns',
    label: 'DNS',
    description: 'Name servers of the sensors (at most 3).',
    shape: 'fields',
    fields: fields('dns', [{ key: 'servers', label: 'Name servers', kind: 'list', placeholder: 'IP address, then Enter', max: 3 }]),
  },
  {
    key: 'mail',
    label: 'Sensor mail server',
    description: "The SMTP server sensors send their own mail through (not the console's).",
    shape: 'fields',
    fields: fields('mail', [
      { key: 'host', label: 'Host', kind: 'text' },
      { key: 'port', label: 'Port', kind: 'number', min: 1, max: 65535 },
      { key: 'security', label: 'Security', kind: 'select', options: ['none', 'starttls', 'tls'] },
      { key: 'sender', label: 'Sender address', kind: 'text' },
      { key: 'username', label: 'User name', kind: 'text' },
      { key: 'password', label: 'Password', kind: 'secret' },
    ]),
  },
  {
    key: 'snmp',
    label: 'Sensor SNMP agent',
    description: 'Lets SNMP managers poll the sensors.',
    shape: 'fields',
    fields: fields('snmp', [
      { key: 'enabled', label: 'SNMP agent on', kind: 'boolean' },
      { key: 'version', label: 'Version', kind: 'select', options: ['v2c', 'v3'] },
      { key: 'community', label: 'Community (v2c)', kind: 'secret' },
      { key: 'v3Username', label: 'v3 user', kind: 'text' },
      { key: 'v3AuthProtocol', label: 'v3 authentication', kind: 'select', options: ['SHA', 'SHA-256', 'SHA-512'] },
      { key: 'v3AuthPassword', label: 'v3 authentication password', kind: 'secret' },
      { key: 'v3PrivProtocol', label: 'v3 privacy', kind: 'select', options: ['AES', 'AES-256'] },
      { key: 'v3PrivPassword', label: 'v3 privacy password', kind: 'secret' },
      { key: 'allowedManagers', label: 'Allowed managers', kind: 'list', placeholder: 'IP address, then Enter', max: 20 },
    ]),
  },
  {
    key: 'activeDirectory',
    label: 'Active Directory',
    description: 'Sign-in to the sensors with directory accounts, groups mapped to sensor roles.',
    shape: 'fields',
    fields: fields('activeDirectory', [
      { key: 'enabled', label: 'Directory sign-in on', kind: 'boolean' },
      { key: 'domainController', label: 'Domain controller', kind: 'text' },
      { key: 'port', label: 'Port', kind: 'number', min: 1, max: 65535 },
      { key: 'domain', label: 'Domain', kind: 'text', placeholder: 'corp.example.com' },
      { key: 'groupRoles', label: 'Group to role', kind: 'rows', item: 'group mapping', max: 50, columns: [{ key: 'group', label: 'Group', kind: 'text', width: 260 }, { key: 'role', label: 'Role', kind: 'select', options: ROLES, width: 180 }] },
    ]),
  },
  {
    key: 'subnets',
    label: 'Subnets',
    description: 'Named address ranges of the monitored network. A narrower scope replaces the whole list.',
    shape: 'whole',
    field: { key: 'subnets', label: 'Subnets', kind: 'rows', item: 'subnet', max: 1000, columns: [{ key: 'cidr', label: 'Range (CIDR)', kind: 'text', width: 200 }, { key: 'name', label: 'Name', kind: 'text', width: 260 }] },
  },
  {
    key: 'portAliases',
    label: 'Port aliases',
    description: 'Names for ports seen in traffic. A narrower scope replaces the whole list.',
    shape: 'whole',
    field: {
      key: 'portAliases',
      label: 'Port aliases',
      kind: 'rows',
      item: 'port alias',
      max: 1000,
      columns: [{ key: 'port', label: 'Port', kind: 'number', width: 100 }, { key: 'protocol', label: 'Protocol', kind: 'select', options: ['tcp', 'udp'], width: 110 }, { key: 'alias', label: 'Alias', kind: 'text', width: 220 }],
    },
  },
  {
    key: 'uploadBandwidthLimit',
    label: 'Upload bandwidth limit',
    description: 'How fast sensors may send to the console: e.g. 30kbit, 2mbit, 500kbps.',
    shape: 'whole',
    field: { key: 'uploadBandwidthLimit', label: 'Limit', kind: 'text', placeholder: '2mbit' },
  },
  {
    key: 'systemProperties',
    label: 'System properties',
    description: "Sensor limits and local backups.",
    shape: 'fields',
    fields: fields('systemProperties', [
      { key: 'maxFailedLogins', label: 'Failed sign-ins before lockout', kind: 'number', min: 1, max: 100 },
      { key: 'sessionTimeoutMinutes', label: 'Session timeout (minutes)', kind: 'number', min: 5, max: 1440 },
      { key: 'backupEnabled', label: 'Local backups on', kind: 'boolean' },
      { key: 'backupDirectoryPath', label: 'Backup folder', kind: 'text', placeholder: '/var/backups/sensor' },
      { key: 'captureRetentionDays', label: 'Keep captures (days)', kind: 'number', min: 1, max: 3650 },
    ]),
  },
];
