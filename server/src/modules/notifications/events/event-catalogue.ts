/**
 * The catalogue of system notifications. A type's name is stable: it is stored,
 * filtered on, matched by forwarding rules and sent to SIEMs (syslog MSGID, CEF
 * signature id, SNMP notification OID), so a type is never renamed, only added.
 * Each type has a default severity and the names of the fields it carries.
 */
export const SEVERITIES = ['info', 'warning', 'minor', 'major', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Severities at or above `minimum`, for queries (`severity: { $in: [...] }`). */
export function severitiesFrom(minimum: Severity): Severity[] {
  return SEVERITIES.slice(severityRank(minimum));
}

interface EventTypeEntry {
  severity: Severity;
  /** What the event means, for people (rule editor, docs). */
  label: string;
  /** Field names the event carries besides sensor/site/zone. */
  fields: readonly string[];
  /** Stable index of the SNMP notification (garrisonNotifications.<index>); never reused. */
  snmpIndex: number;
}

export const EVENT_CATALOGUE = {
  'sensor.disconnected': { severity: 'major', label: 'Sensor disconnected', fields: ['reason'], snmpIndex: 1 },
  'sensor.reconnected': { severity: 'info', label: 'Sensor reconnected', fields: [], snmpIndex: 2 },
  'sensor.flapping': { severity: 'warning', label: 'Sensor flapping (messages held down)', fields: ['heldDownMinutes'], snmpIndex: 3 },
  'sensor.enrolled': { severity: 'info', label: 'Sensor enrolled', fields: ['reEnrolled'], snmpIndex: 4 },
  'sensor.revoked': { severity: 'minor', label: 'Sensor revoked', fields: ['byUser'], snmpIndex: 5 },
  'backup.failed': { severity: 'major', label: 'Backup failed', fields: ['reason'], snmpIndex: 6 },
  'backup.missing': { severity: 'warning', label: 'No backup for N hours', fields: ['hours'], snmpIndex: 7 },
  'backup.storage-low': { severity: 'warning', label: 'Backup storage low', fields: ['target', 'freePercent'], snmpIndex: 8 },
  'sensor.clock-drift-detected': { severity: 'minor', label: 'Clock drift detected', fields: ['driftMs'], snmpIndex: 9 },
  'sensor.clock-drift-cleared': { severity: 'info', label: 'Clock drift cleared', fields: ['driftMs'], snmpIndex: 10 },
  'certificate.expiring': { severity: 'warning', label: 'Certificate expiring', fields: ['subject', 'expiresAt'], snmpIndex: 11 },
  'settings.apply-failed': { severity: 'minor', label: 'Settings failed to apply', fields: ['revision', 'reason'], snmpIndex: 12 },
  'sensor.no-traffic': { severity: 'major', label: 'No traffic on a sensor', fields: ['minutes'], snmpIndex: 13 },
  'console.component-down': { severity: 'critical', label: 'Console component down', fields: ['component', 'detail'], snmpIndex: 14 },
  'console.component-up': { severity: 'info', label: 'Console component up', fields: ['component'], snmpIndex: 15 },
  'forwarding.target-failing': { severity: 'major', label: 'Forwarding target failing', fields: ['ruleId', 'actionId', 'target', 'reason'], snmpIndex: 16 },
  'notifications.test': { severity: 'info', label: 'Test notification (sent by a rule test)', fields: [], snmpIndex: 17 },
} as const satisfies Record<string, EventTypeEntry>;

export type EventType = keyof typeof EVENT_CATALOGUE;
export const EVENT_TYPES = Object.keys(EVENT_CATALOGUE) as EventType[];

/** The rule condition that matches every system notification, present and future. */
export const ALL_EVENT_TYPES = 'all';

export type EventFieldValue = string | number | boolean | null;
export type EventFields = Record<string, EventFieldValue>;
