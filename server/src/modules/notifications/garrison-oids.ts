/**
 * Garrison's SNMP object identifiers, shared by the trap action and (later) the
 * SNMP agent and its MIB, so both always agree.
 *
 * 61337 is a PLACEHOLDER private enterprise number: Garrison has not been assigned
 * one by IANA yet. Replace GARRISON_ENTERPRISE_NUMBER (and nothing else) once it is;
 * the structured-data id of syslog messages (`garrison@61337`) follows it too.
 */
import { EVENT_CATALOGUE, type EventType } from './events/event-catalogue.js';

export const GARRISON_ENTERPRISE_NUMBER = 61337;
export const GARRISON_ENTERPRISE_OID = `1.3.6.1.4.1.${GARRISON_ENTERPRISE_NUMBER}`;

/** garrisonNotifications: one notification per event type, `.0.<snmpIndex>` (SMIv2 style). */
export const GARRISON_NOTIFICATIONS_OID = `${GARRISON_ENTERPRISE_OID}.2.0`;
/** garrisonNotificationObjects: the varbinds every trap carries. */
export const GARRISON_NOTIFICATION_OBJECTS_OID = `${GARRISON_ENTERPRISE_OID}.2.1`;
/** Reserved for the SNMP agent's console health and sensor table. */
export const GARRISON_AGENT_OID = `${GARRISON_ENTERPRISE_OID}.1`;

export const NOTIFICATION_OBJECT_OIDS = {
  eventId: `${GARRISON_NOTIFICATION_OBJECTS_OID}.1`,
  eventType: `${GARRISON_NOTIFICATION_OBJECTS_OID}.2`,
  severity: `${GARRISON_NOTIFICATION_OBJECTS_OID}.3`,
  title: `${GARRISON_NOTIFICATION_OBJECTS_OID}.4`,
  occurredAt: `${GARRISON_NOTIFICATION_OBJECTS_OID}.5`,
  sensorId: `${GARRISON_NOTIFICATION_OBJECTS_OID}.6`,
  sensorName: `${GARRISON_NOTIFICATION_OBJECTS_OID}.7`,
  siteId: `${GARRISON_NOTIFICATION_OBJECTS_OID}.8`,
  zoneId: `${GARRISON_NOTIFICATION_OBJECTS_OID}.9`,
  /** The event's own fields as one JSON object (they differ per type). */
  fields: `${GARRISON_NOTIFICATION_OBJECTS_OID}.10`,
} as const;

export function notificationOid(type: EventType): string {
  return `${GARRISON_NOTIFICATIONS_OID}.${EVENT_CATALOGUE[type].snmpIndex}`;
}
