/**
 * One test for every action type (Alertmanager's lesson): when sending fails,
 * the reason (stored, shown in the API, logged) never contains a secret from
 * the action's config.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { ActionType, OutgoingNotification } from './action-contract.js';
import { createEmailAction } from './email.js';
import { createSnmpTrapAction } from './snmp-trap.js';
import { createSyslogAction } from './syslog.js';
import { createWebhookAction } from './webhook.js';

const SECRET = 'S3cret-Value-That-Must-Not-Leak';
const notification: OutgoingNotification = {
  event: { id: 'e', type: 'notifications.test', severity: 'info', title: 't', occurredAt: new Date().toISOString(), sensor: null, siteId: null, zoneId: null, fields: {}, suppressed: null },
  ruleName: 'r',
  consoleName: 'c',
  consoleVersion: '0',
};
const environment = {
  logger: pino({ level: 'silent' }),
  smtpSettings: async () => ({ host: '127.0.0.1', port: 1, security: 'starttls' as const, username: 'u', password: SECRET, sender: 'a@example.org', trustedCaPem: null }),
};

const cases: Array<[ActionType, Record<string, unknown>]> = [
  [createSyslogAction(), { host: '127.0.0.1', port: 1, transport: 'tls', clientKeyPem: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----\n`, clientCertificatePem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n', clientKeyPassphrase: SECRET }],
  [createSyslogAction(), { host: '127.0.0.1', port: 1, transport: 'tcp' }],
  [createEmailAction(), { recipients: ['soc@example.org'] }],
  [createWebhookAction('0'), { url: `https://127.0.0.1:1/hook`, secret: SECRET }],
  [createSnmpTrapAction(), { host: '127.0.0.1', port: 1, version: 'v3', user: 'u', authKey: SECRET, privKey: SECRET }],
];

for (const [actionType, input] of cases) {
  test(`${actionType.type}: a failure reason carries no secret`, async () => {
    const config = actionType.config.parse(input);
    const result = await actionType.send(notification, config, environment);
    await actionType.close?.();
    if (!result.ok) {
      assert.ok(!result.reason.includes(SECRET), result.reason);
      assert.ok(result.reason.length > 0);
    }
    assert.ok(!actionType.describeTarget(config).includes(SECRET));
  });
}
