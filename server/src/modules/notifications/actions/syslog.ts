/**
 * Syslog forwarding: RFC 5424, CEF, LEEF or JSON over UDP, TCP or TLS.
 * Formats are in syslog-format.ts, sockets in syslog-transport.ts.
 */
import { z } from 'zod';
import type { ActionType, OutgoingNotification, SendResult } from './action-contract.js';
import { errorReason } from './action-contract.js';
import { hostField, pemField, portField, timeoutField } from './config-fields.js';
import { formatSyslog, SYSLOG_FORMATS } from './syslog-format.js';
import { SyslogConnections, type SyslogEndpoint } from './syslog-transport.js';

export const syslogConfig = z
  .strictObject({
    host: hostField,
    port: portField.default(514),
    transport: z.enum(['udp', 'tcp', 'tls']),
    format: z.enum(SYSLOG_FORMATS).default('rfc5424'),
    /** RFC 5424 facility number: 16-23 are local0-local7. */
    facility: z.number().int().min(0, 'A facility is 0-23').max(23, 'A facility is 0-23').default(16),
    appName: z
      .string()
      .regex(/^[\x21-\x7e]{1,48}$/, 'Printable ASCII without spaces, at most 48 characters')
      .default('garrison'),
    timeoutMs: timeoutField.default(10_000),
    /** TLS only: the CA that signed the receiver's certificate (the system store otherwise). */
    trustedCaPem: pemField.nullable().default(null),
    /** TLS only: name to check in the receiver's certificate when `host` is an address. */
    serverName: z.string().max(253).nullable().default(null),
    clientCertificatePem: pemField.nullable().default(null),
    clientKeyPem: pemField.nullable().default(null),
    clientKeyPassphrase: z.string().max(1024).nullable().default(null),
  })
  .refine((config) => (config.clientCertificatePem === null) === (config.clientKeyPem === null), {
    message: 'Give both the client certificate and its key, or neither',
    path: ['clientKeyPem'],
  })
  .refine((config) => config.transport === 'tls' || (config.clientCertificatePem === null && config.trustedCaPem === null), {
    message: 'Certificates apply only to the TLS transport',
    path: ['transport'],
  });

export type SyslogConfig = z.output<typeof syslogConfig>;

function endpointOf(config: SyslogConfig): SyslogEndpoint {
  return {
    transport: config.transport,
    host: config.host,
    port: config.port,
    timeoutMs: config.timeoutMs,
    ...(config.transport === 'tls'
      ? {
          tls: {
            ca: config.trustedCaPem,
            cert: config.clientCertificatePem,
            key: config.clientKeyPem,
            passphrase: config.clientKeyPassphrase,
            servername: config.serverName,
          },
        }
      : {}),
  };
}

export function createSyslogAction(): ActionType<typeof syslogConfig> {
  const connections = new SyslogConnections();
  /** Every message in one go; a failed write fails them all (which of them the receiver got is unknown). */
  async function sendAll(notifications: OutgoingNotification[], config: SyslogConfig): Promise<SendResult[]> {
    const messages = notifications.map((notification) => formatSyslog(config.format, notification, { facility: config.facility, appName: config.appName }));
    try {
      await connections.sendMany(endpointOf(config), messages);
      return messages.map(() => ({ ok: true }));
    } catch (error) {
      // A client key that cannot be read will not fix itself; a refused connection
      // or a receiver certificate problem may be fixed on the other side.
      const reason = errorReason(error);
      const permanent = /bad decrypt|no start line|key values mismatch/i.test(reason);
      return messages.map(() => ({ ok: false, retryable: !permanent, reason: `${config.host}:${config.port}: ${reason}` }));
    }
  }
  return {
    type: 'syslog',
    label: 'Syslog (RFC 5424, CEF, LEEF, JSON)',
    config: syslogConfig,
    secretFields: ['clientKeyPem', 'clientKeyPassphrase'],
    describeTarget: (config) => `syslog ${config.transport.toUpperCase()} ${config.host}:${config.port} (${config.format})`,
    async send(notification, config) {
      const [result] = await sendAll([notification], config);
      return result ?? { ok: false, retryable: true, reason: 'nothing was sent' };
    },
    sendMany: (notifications, config) => sendAll(notifications, config),
    async close() {
      connections.closeAll();
    },
  };
}
