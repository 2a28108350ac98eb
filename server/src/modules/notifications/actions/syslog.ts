/**
 * Syslog forwarding: RFC 5424, CEF, LEEF or JSON over UDP, TCP or TLS.
 * Formats are in syslog-format.ts, sockets in syslog-transport.ts.
 */
import { z } from 'zod';
import type { ActionType } from './action-contract.js';
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
  return {
    type: 'syslog',
    label: 'Syslog (RFC 5424, CEF, LEEF, JSON)',
    config: syslogConfig,
    secretFields: ['clientKeyPem', 'clientKeyPassphrase'],
    describeTarget: (config) => `syslog ${config.transport.toUpperCase()} ${config.host}:${config.port} (${config.format})`,
    async send(notification, config) {
      const message = formatSyslog(config.format, notification, { facility: config.facility, appName: config.appName });
      try {
        await connections.send(endpointOf(config), message);
        return { ok: true };
      } catch (error) {
        // A client key that cannot be read will not fix itself; a refused connection
        // or a receiver certificate problem may be fixed on the other side.
        const reason = errorReason(error);
        const permanent = /bad decrypt|no start line|key values mismatch/i.test(reason);
        return { ok: false, retryable: !permanent, reason: `${config.host}:${config.port}: ${reason}` };
      }
    },
    async close() {
      connections.closeAll();
    },
  };
}
