/**
 * Forwarding rules through the API: validation that names the field, write-only
 * secrets (masked when read, kept when the mask is sent back, sealed at rest,
 * never in logs), unique names, matching by severity and site, and the events
 * list filters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ActionRegistry } from '../../server/src/modules/notifications/actions/action-registry.js';
import { createSyslogAction } from '../../server/src/modules/notifications/actions/syslog.js';
import { startHarness, type Harness } from './notifications-harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness({ paused: true });
});
after(async () => {
  await harness?.destroy();
});

interface Problem {
  path: string;
  message: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { problems: Problem[] } };
}
interface RuleView {
  id: string;
  name: string;
  revision: number;
  actions: Array<{ id: string; type: string; config: Record<string, unknown> }>;
}

const PASSPHRASE = 'very-secret-passphrase-4711';
const KEY_PEM = '-----BEGIN PRIVATE KEY-----\nTUlJQ2VRSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NBbU13Z2dKZkFnRUFBb0dCQU5vdFJlYWw=\n-----END PRIVATE KEY-----\n';
const tlsAction = (extra: Record<string, unknown> = {}) => ({
  type: 'syslog',
  config: { host: 'siem.example.org', port: 6514, transport: 'tls', format: 'cef', clientCertificatePem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n', clientKeyPem: KEY_PEM, clientKeyPassphrase: PASSPHRASE, ...extra },
});

test('a bad rule is refused with a 400 naming each wrong field', async () => {
  const response = await harness.api<ErrorBody>('POST', '/rules', {
    name: '',
    conditions: { eventTypes: ['sensor.exploded'], minimumSeverity: 'catastrophic' },
    actions: [
      { type: 'syslog', config: { host: 'not a host!', port: 70000, transport: 'tcp' } },
      { type: 'pigeon', config: {} },
      { type: 'syslog', config: { host: '10.0.0.1', transport: 'udp', extra: true } },
    ],
  });
  assert.equal(response.status, 400);
  const paths = response.body.error.details?.problems.map((problem) => problem.path) ?? [];
  assert.deepEqual(paths.sort(), ['conditions.eventTypes.0', 'conditions.minimumSeverity', 'name'].sort(), JSON.stringify(response.body));

  const actionsWrong = await harness.api<ErrorBody>('POST', '/rules', {
    name: 'x',
    conditions: { eventTypes: ['all'] },
    actions: [
      { type: 'syslog', config: { host: 'not a host!', port: 70000, transport: 'tcp' } },
      { type: 'pigeon', config: {} },
      { type: 'syslog', config: { host: '10.0.0.1', transport: 'udp', extra: true } },
    ],
  });
  assert.equal(actionsWrong.status, 400);
  const actionPaths = actionsWrong.body.error.details?.problems.map((problem) => problem.path) ?? [];
  assert.deepEqual(actionPaths, ['actions.0.config.host', 'actions.0.config.port', 'actions.1.type', 'actions.2.config'], JSON.stringify(actionsWrong.body));
  assert.match(actionsWrong.body.error.message, /actions\.0\.config\.port: A port is 1-65535/);
});

test('secrets are write-only: masked when read, kept when the mask comes back, replaced when changed', async () => {
  const created = await harness.api<RuleView>('POST', '/rules', { name: 'TLS SIEM', conditions: { eventTypes: ['all'] }, actions: [tlsAction()] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const action = created.body.actions[0];
  assert.equal(action?.config.clientKeyPem, '••••');
  assert.equal(action?.config.clientKeyPassphrase, '••••');

  const stored = await harness.database.db.collection('notificationRules').findOne({ _id: created.body.id as never });
  const storedText = JSON.stringify(stored);
  assert.ok(!storedText.includes(PASSPHRASE) && !storedText.includes('TUlJQ2VR'), 'sealed at rest');
  assert.match(storedText, /gse1\./);

  const kept = await harness.api<RuleView>('PUT', `/rules/${created.body.id}`, {
    name: 'TLS SIEM',
    conditions: { eventTypes: ['all'] },
    actions: [{ id: action?.id, type: 'syslog', config: { ...action?.config, port: 6515 } }],
  });
  assert.equal(kept.status, 200, JSON.stringify(kept.body));
  const rule = await harness.service.rules.get(created.body.id);
  const resolved = harness.service.rules.resolveAction(rule, action?.id ?? '');
  const config = resolved?.config as { clientKeyPassphrase: string; clientKeyPem: string; port: number };
  assert.equal(config.clientKeyPassphrase, PASSPHRASE, 'the mask kept the stored passphrase');
  assert.equal(config.clientKeyPem, KEY_PEM);
  assert.equal(config.port, 6515);

  const replaced = await harness.api<RuleView>('PUT', `/rules/${created.body.id}`, {
    name: 'TLS SIEM',
    conditions: { eventTypes: ['all'] },
    actions: [{ id: action?.id, type: 'syslog', config: { ...action?.config, clientKeyPassphrase: 'another' } }],
  });
  assert.equal(replaced.status, 200);
  const again = harness.service.rules.resolveAction(await harness.service.rules.get(created.body.id), action?.id ?? '');
  assert.equal((again?.config as { clientKeyPassphrase: string }).clientKeyPassphrase, 'another');

  const list = await harness.api('GET', '/rules');
  assert.ok(!JSON.stringify(list.body).includes(PASSPHRASE));
  assert.ok(!harness.logs.some((line) => line.includes(PASSPHRASE) || line.includes('another"') || line.includes('TUlJQ2VR')), 'no secret in any log line');
});

test('rule names are unique regardless of case', async () => {
  const response = await harness.api<ErrorBody>('POST', '/rules', { name: 'tls siem', conditions: { eventTypes: ['all'] }, actions: [tlsAction()] });
  assert.equal(response.status, 409);
  assert.equal(response.body.error.details?.problems[0]?.path, 'name');
});

test('an action type cannot be registered twice', () => {
  const registry = new ActionRegistry().register(createSyslogAction());
  assert.throws(() => registry.register(createSyslogAction()), /registered twice/);
});

test('rules match by type, minimum severity and site; events are listed and filtered', async () => {
  const rule = await harness.api<RuleView>('POST', '/rules', {
    name: 'site A majors',
    conditions: { eventTypes: ['sensor.disconnected', 'backup.failed'], minimumSeverity: 'major', siteIds: ['site-a'] },
    actions: [{ type: 'syslog', config: { host: '127.0.0.1', port: 9, transport: 'udp' } }],
  });
  assert.equal(rule.status, 201);
  const sensorA = { sensorId: 's-a', sensorName: 'a', siteId: 'site-a', zoneId: 'z1' };
  const matching = await harness.service.raise({ type: 'backup.failed', title: 'failed', sensor: sensorA, fields: { reason: 'timeout' } });
  await harness.service.raise({ type: 'backup.failed', title: 'failed', sensor: { ...sensorA, sensorId: 's-b', siteId: 'site-b' }, fields: { reason: 'x' } });
  await harness.service.raise({ type: 'backup.failed', title: 'minor one', severity: 'minor', sensor: sensorA, fields: { reason: 'x' } });
  await harness.service.raise({ type: 'sensor.revoked', title: 'revoked', sensor: sensorA, fields: { byUser: 'admin' } });
  const deliveries = await harness.api<{ deliveries: Array<{ eventId: string }> }>('GET', `/deliveries?ruleId=${rule.body.id}`);
  assert.deepEqual(deliveries.body.deliveries.map((delivery) => delivery.eventId), [matching._id]);

  const filtered = await harness.api<{ events: Array<{ id: string; sensor: { id: string } }> }>('GET', '/events?type=backup.failed&minimumSeverity=major&siteId=site-a');
  assert.deepEqual(filtered.body.events.map((event) => event.id), [matching._id]);
  const one = await harness.api<{ id: string; fields: Record<string, unknown> }>('GET', `/events/${matching._id}`);
  assert.deepEqual(one.body.fields, { reason: 'timeout' });
  const bad = await harness.api<ErrorBody>('GET', '/events?type=nope&limit=9999');
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body.error.details?.problems.map((problem) => problem.path), ['type', 'limit']);
});
