/**
 * The notifications module inside a whole console: mounted behind sign-in,
 * permissions enforced per role, rule changes audited, presence events from
 * the event bus stored and listed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from '../helpers/https-client.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { waitFor } from '../helpers/free-ports.js';

let testConsole: TestConsole;
let admin: SignedIn;

before(async () => {
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});

after(async () => {
  await testConsole?.destroy();
});

const api = <Body = unknown>(path: string, options: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  request<Body>(`${testConsole.baseUrl}/api/v1/notifications${path}`, { ...options, ca: testConsole.caPem });

test('without a session the API answers 401', async () => {
  assert.equal((await api('/events')).status, 401);
});

test('an admin manages rules; the change is audited', async () => {
  const catalogue = await api<{ eventTypes: Array<{ type: string }>; actionTypes: Array<{ type: string }> }>('/catalogue', { headers: admin.headers });
  assert.equal(catalogue.status, 200);
  assert.deepEqual(catalogue.body.actionTypes.map((entry) => entry.type), ['syslog', 'email', 'snmp-trap', 'webhook']);
  assert.ok(catalogue.body.eventTypes.some((entry) => entry.type === 'forwarding.target-failing'));

  const created = await api<{ id: string }>('/rules', {
    method: 'POST',
    headers: admin.headers,
    body: { name: 'SOC', conditions: { eventTypes: ['all'] }, actions: [{ type: 'syslog', config: { host: '127.0.0.1', port: 9, transport: 'udp' } }] },
  });
  assert.equal(created.status, 201, created.text);
  const audit = await request<{ records?: Array<{ action: string }> }>(`${testConsole.baseUrl}/api/v1/audit?limit=50`, { headers: admin.headers, ca: testConsole.caPem });
  assert.equal(audit.status, 200, audit.text);
  assert.ok(audit.text.includes('notifications.rule-created'), 'the rule creation is in the audit trail');
});

test('a read-only user can read but not change', async () => {
  const reader = await signInAs(testConsole, 'read-only');
  assert.equal((await api('/rules', { headers: reader.headers })).status, 200);
  const refused = await api('/rules', { method: 'POST', headers: reader.headers, body: { name: 'x', conditions: { eventTypes: ['all'] }, actions: [] } });
  assert.equal(refused.status, 403);
});

test('presence events on the bus become listed notifications', async () => {
  testConsole.garrison.events.publish('sensor.presence-changed', {
    sensorId: 'sensor-api',
    sensorName: 'plc-api',
    siteId: null,
    zoneId: null,
    previous: 'unreachable',
    current: 'disconnected',
    reason: 'grace-period-elapsed',
    at: new Date(),
  });
  let events: Array<{ type: string; title: string }> = [];
  await waitFor(async () => {
    events = (await api<{ events: typeof events }>('/events?sensorId=sensor-api', { headers: admin.headers })).body.events;
    return events.length === 1;
  }, 5_000);
  assert.equal(events[0]?.type, 'sensor.disconnected');
  assert.equal(events[0]?.title, 'Sensor "plc-api" disconnected (grace-period-elapsed)');
});
