/**
 * SNMP notifications (traps) with net-snmp, v2c or v3 (USM: noAuthNoPriv,
 * authNoPriv, authPriv). The notification OID says which event type it is
 * (garrison-oids.ts); the varbinds carry the event id, type, severity, title,
 * time, sensor/site/zone and the type's fields as JSON.
 *
 * A trap is fire-and-forget UDP: "ok" means it left this host. A receiver that
 * must not miss one should also get syslog or email.
 */
import snmp from 'net-snmp';
import { z } from 'zod';
import { GARRISON_ENTERPRISE_NUMBER, NOTIFICATION_OBJECT_OIDS, notificationOid } from '../garrison-oids.js';
import { EVENT_CATALOGUE, type EventType } from '../events/event-catalogue.js';
import type { ActionType, OutgoingNotification, SendResult } from './action-contract.js';
import { errorReason } from './action-contract.js';
import { hostField, portField } from './config-fields.js';

/**
 * The default snmpEngineID (RFC 3411 § 5, text format): 0x80 | enterprise number,
 * format 4, "garrison". A v3 receiver is told this id (`createUser -e`); each
 * console can be given its own in the action's config.
 */
export const DEFAULT_ENGINE_ID = `${(0x80000000 + GARRISON_ENTERPRISE_NUMBER).toString(16)}04${Buffer.from('garrison').toString('hex')}`;

const usmKey = z.string().min(8, 'At least 8 characters (RFC 3414)').max(256).nullable().default(null);

export const snmpTrapConfig = z
  .strictObject({
    host: hostField,
    port: portField.default(162),
    version: z.enum(['v2c', 'v3']),
    community: z.string().min(1).max(64).nullable().default(null),
    user: z.string().min(1).max(32).nullable().default(null),
    securityLevel: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).default('authPriv'),
    authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha256'),
    authKey: usmKey,
    privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
    privKey: usmKey,
    engineId: z
      .string()
      .regex(/^([0-9a-f]{2}){5,32}$/i, 'Hex, 5 to 32 bytes')
      .default(DEFAULT_ENGINE_ID),
  })
  .superRefine((config, context) => {
    const need = (field: 'community' | 'user' | 'authKey' | 'privKey', why: string) => {
      if (config[field] === null) context.addIssue({ code: 'custom', path: [field], message: why });
    };
    if (config.version === 'v2c') need('community', 'SNMPv2c needs a community');
    if (config.version === 'v3') {
      need('user', 'SNMPv3 needs a user name');
      if (config.securityLevel !== 'noAuthNoPriv') need('authKey', `${config.securityLevel} needs an authentication key`);
      if (config.securityLevel === 'authPriv') need('privKey', 'authPriv needs a privacy key');
    }
  });

export type SnmpTrapConfig = z.output<typeof snmpTrapConfig>;

const AUTH: Record<SnmpTrapConfig['authProtocol'], snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV: Record<SnmpTrapConfig['privProtocol'], snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};
const LEVEL: Record<SnmpTrapConfig['securityLevel'], snmp.SecurityLevel> = {
  noAuthNoPriv: snmp.SecurityLevel.noAuthNoPriv,
  authNoPriv: snmp.SecurityLevel.authNoPriv,
  authPriv: snmp.SecurityLevel.authPriv,
};

export function trapVarbinds(notification: OutgoingNotification): snmp.Varbind[] {
  const { event } = notification;
  const text = (oid: string, value: string): snmp.Varbind => ({ oid, type: snmp.ObjectType.OctetString, value: Buffer.from(value, 'utf8') });
  return [
    text(NOTIFICATION_OBJECT_OIDS.eventId, event.id),
    text(NOTIFICATION_OBJECT_OIDS.eventType, event.type),
    text(NOTIFICATION_OBJECT_OIDS.severity, event.severity),
    text(NOTIFICATION_OBJECT_OIDS.title, event.title),
    text(NOTIFICATION_OBJECT_OIDS.occurredAt, event.occurredAt),
    text(NOTIFICATION_OBJECT_OIDS.sensorId, event.sensor?.id ?? ''),
    text(NOTIFICATION_OBJECT_OIDS.sensorName, event.sensor?.name ?? ''),
    text(NOTIFICATION_OBJECT_OIDS.siteId, event.siteId ?? ''),
    text(NOTIFICATION_OBJECT_OIDS.zoneId, event.zoneId ?? ''),
    text(NOTIFICATION_OBJECT_OIDS.fields, JSON.stringify(event.fields)),
  ];
}

function createSession(config: SnmpTrapConfig): snmp.Session {
  const common = { port: config.port, trapPort: config.port, timeout: 5_000, retries: 0, transport: config.host.includes(':') ? ('udp6' as const) : ('udp4' as const) };
  if (config.version === 'v2c') return snmp.createSession(config.host, config.community ?? '', { ...common, version: snmp.Version2c });
  const user: snmp.User = {
    name: config.user ?? '',
    level: LEVEL[config.securityLevel],
    ...(config.securityLevel !== 'noAuthNoPriv' ? { authProtocol: AUTH[config.authProtocol], authKey: config.authKey ?? '' } : {}),
    ...(config.securityLevel === 'authPriv' ? { privProtocol: PRIV[config.privProtocol], privKey: config.privKey ?? '' } : {}),
  };
  return snmp.createV3Session(config.host, user, { ...common, version: snmp.Version3, engineID: config.engineId });
}

export function createSnmpTrapAction(): ActionType<typeof snmpTrapConfig> {
  return {
    type: 'snmp-trap',
    label: 'SNMP trap (v2c / v3)',
    config: snmpTrapConfig,
    secretFields: ['community', 'authKey', 'privKey'],
    describeTarget: (config) => `SNMP${config.version} trap to ${config.host}:${config.port}`,
    send(notification, config) {
      const type = notification.event.type as EventType;
      const oid = type in EVENT_CATALOGUE ? notificationOid(type) : notificationOid('notifications.test');
      return new Promise<SendResult>((resolve) => {
        let session: snmp.Session;
        try {
          session = createSession(config);
        } catch (error) {
          resolve({ ok: false, retryable: false, reason: `SNMP session not created: ${errorReason(error)}` });
          return;
        }
        session.on('error', (error: Error) => {
          session.close();
          resolve({ ok: false, retryable: true, reason: `SNMP: ${errorReason(error)}` });
        });
        session.trap(oid, trapVarbinds(notification), (error) => {
          session.close();
          resolve(error ? { ok: false, retryable: true, reason: `SNMP trap not sent: ${errorReason(error)}` } : { ok: true });
        });
      });
    },
  };
}
