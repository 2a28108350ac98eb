/**
 * Syslog message formats: RFC 5424 with structured data, CEF, LEEF 2.0 and JSON.
 * CEF, LEEF and JSON ride in the MSG part of an RFC 5424 header (no SD) so every
 * format goes through the same transports and framing.
 *
 * Escaping, per format, is the point of this file:
 * - RFC 5424 SD-PARAM values escape `"`, `\` and `]` with a backslash (§ 6.3.3).
 * - CEF header fields escape `\` and `|`; extension values escape `\`, `=`, and
 *   write CR/LF as the two characters `\r` / `\n` (CEF spec "Character encoding").
 * - LEEF 2.0 (attribute delimiter `^`, declared in the header) escapes `\` and `|`
 *   in the header, and `\`, the delimiter and CR/LF in attribute values.
 * - JSON: JSON.stringify already escapes control characters.
 * Control characters are otherwise replaced with a space in free text (RFC 5424
 * MSG) so a receiver never splits one message into two lines.
 */
import { EVENT_CATALOGUE, type EventFieldValue, type Severity } from '../events/event-catalogue.js';
import type { OutgoingNotification } from './action-contract.js';
import { GARRISON_ENTERPRISE_NUMBER } from '../garrison-oids.js';

export const SYSLOG_FORMATS = ['rfc5424', 'cef', 'leef', 'json'] as const;
export type SyslogFormat = (typeof SYSLOG_FORMATS)[number];

/** Syslog severities (RFC 5424 § 6.2.1) for Garrison's five. */
const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, major: 3, minor: 4, warning: 4, info: 6 };
/** CEF/LEEF severities are 0-10. */
const TEN_POINT_SEVERITY: Record<Severity, number> = { critical: 10, major: 8, minor: 5, warning: 4, info: 1 };

export const SD_ID = `garrison@${GARRISON_ENTERPRISE_NUMBER}`;
const VENDOR = 'Garrison';
const PRODUCT = 'Garrison Console';
const LEEF_DELIMITER = '^';

export interface SyslogHeaderOptions {
  facility: number;
  appName: string;
}

// Printable US-ASCII without space, as RFC 5424 header fields require; '-' is NILVALUE.
function headerToken(value: string, maxLength: number): string {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, maxLength);
  return cleaned.length > 0 ? cleaned : '-';
}

function withoutControlCharacters(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, ' ');
}

function fieldText(value: EventFieldValue): string {
  return value === null ? '' : String(value);
}

/** The common key/value view of an event used by SD, CEF and LEEF. */
function attributes(notification: OutgoingNotification): Array<[string, string]> {
  const { event } = notification;
  const pairs: Array<[string, string]> = [
    ['eventId', event.id],
    ['type', event.type],
    ['severity', event.severity],
    ['rule', notification.ruleName],
  ];
  if (event.sensor) pairs.push(['sensorId', event.sensor.id], ['sensorName', event.sensor.name ?? '']);
  if (event.siteId) pairs.push(['siteId', event.siteId]);
  if (event.zoneId) pairs.push(['zoneId', event.zoneId]);
  for (const [name, value] of Object.entries(event.fields)) pairs.push([name, fieldText(value)]);
  return pairs;
}

function header(notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const pri = options.facility * 8 + SYSLOG_SEVERITY[notification.event.severity as Severity];
  return [
    `<${pri}>1`,
    notification.event.occurredAt,
    headerToken(notification.consoleName, 255),
    headerToken(options.appName, 48),
    '-',
    headerToken(notification.event.type, 32),
  ].join(' ');
}

export function escapeSdValue(value: string): string {
  return value.replace(/[\\"\]]/g, (character) => `\\${character}`);
}

export function formatRfc5424(notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const params = attributes(notification)
    .map(([name, value]) => `${name}="${escapeSdValue(value)}"`)
    .join(' ');
  return `${header(notification, options)} [${SD_ID} ${params}] ${withoutControlCharacters(notification.event.title)}`;
}

export function escapeCefHeader(value: string): string {
  return withoutControlCharacters(value).replace(/[\\|]/g, (character) => `\\${character}`);
}

export function escapeCefExtension(value: string): string {
  return value.replace(/[\\=]/g, (character) => `\\${character}`).replace(/\r\n|\r|\n/g, (lineBreak) => (lineBreak === '\r' ? '\\r' : '\\n'));
}

export function formatCef(notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const { event } = notification;
  const extension: Array<[string, string]> = [
    ['rt', String(Date.parse(event.occurredAt))],
    ['externalId', event.id],
    ['cat', event.type],
    ['msg', event.title],
    ['cs1Label', 'rule'],
    ['cs1', notification.ruleName],
  ];
  if (event.sensor) extension.push(['deviceExternalId', event.sensor.id], ['cs2Label', 'sensorName'], ['cs2', event.sensor.name ?? '']);
  if (event.siteId) extension.push(['cs3Label', 'siteId'], ['cs3', event.siteId]);
  if (event.zoneId) extension.push(['cs4Label', 'zoneId'], ['cs4', event.zoneId]);
  // Custom keys follow the CEF convention VendorProductKey (letters and digits only).
  for (const [name, value] of Object.entries(event.fields)) extension.push([`garrison${name[0]?.toUpperCase()}${name.slice(1)}`, fieldText(value)]);
  const label = EVENT_CATALOGUE[event.type as keyof typeof EVENT_CATALOGUE]?.label ?? event.type;
  const cef = [
    'CEF:0',
    escapeCefHeader(VENDOR),
    escapeCefHeader(PRODUCT),
    escapeCefHeader(notification.consoleVersion),
    escapeCefHeader(event.type),
    escapeCefHeader(label),
    String(TEN_POINT_SEVERITY[event.severity as Severity]),
    extension.map(([name, value]) => `${name}=${escapeCefExtension(value)}`).join(' '),
  ].join('|');
  return `${header(notification, options)} - ${cef}`;
}

export function escapeLeefHeader(value: string): string {
  return withoutControlCharacters(value).replace(/[\\|]/g, (character) => `\\${character}`);
}

export function escapeLeefValue(value: string): string {
  return value
    .replace(/[\\^]/g, (character) => `\\${character}`)
    .replace(/\r\n|\r|\n/g, (lineBreak) => (lineBreak === '\r' ? '\\r' : '\\n'))
    .replace(/\t/g, '\\t');
}

export function formatLeef(notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const { event } = notification;
  const pairs: Array<[string, string]> = [
    ['devTime', event.occurredAt],
    ['devTimeFormat', "yyyy-MM-dd'T'HH:mm:ss.SSSX"],
    ['sev', String(TEN_POINT_SEVERITY[event.severity as Severity])],
    ['cat', event.type],
    ['msg', event.title],
    ...attributes(notification),
  ];
  const leef = [
    'LEEF:2.0',
    escapeLeefHeader(VENDOR),
    escapeLeefHeader(PRODUCT),
    escapeLeefHeader(notification.consoleVersion),
    escapeLeefHeader(event.type),
    LEEF_DELIMITER,
    pairs.map(([name, value]) => `${name}=${escapeLeefValue(value)}`).join(LEEF_DELIMITER),
  ].join('|');
  return `${header(notification, options)} - ${leef}`;
}

export function formatJson(notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const body = { ...notification.event, rule: notification.ruleName, console: notification.consoleName };
  return `${header(notification, options)} - ${JSON.stringify(body)}`;
}

export function formatSyslog(format: SyslogFormat, notification: OutgoingNotification, options: SyslogHeaderOptions): string {
  const formatters: Record<SyslogFormat, typeof formatJson> = { rfc5424: formatRfc5424, cef: formatCef, leef: formatLeef, json: formatJson };
  return formatters[format](notification, options);
}
