/**
 * SNMP traps to a real snmptrapd: v2c and v3 authPriv traps arrive with the
 * event type's notification OID under Garrison's enterprise arc and the event's
 * values; wrong v3 keys are refused by the receiver; the keys are write-only.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ENGINE_ID } from '../../server/src/modules/notifications/actions/snmp-trap.js';
import { NOTIFICATION_OBJECT_OIDS, notificationOid } from '../../server/src/modules/notifications/garrison-oids.js';
import { waitFor } from '../helpers/free-ports.js';
import { startSnmptrapd, type Snmptrapd } from '../helpers/snmptrapd.js';
import { startHarness, type Harness } from './notifications-harness.js';

const V3 = { engineId: DEFAULT_ENGINE_ID, user: 'garrison', authKey: 'auth-key-9f2b11', privKey: 'priv-key-4c8d22' };
let directory: string;
let trapd: Snmptrapd;
let harness: Harness;

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-snmp-'));
  trapd = await startSnmptrapd(directory, V3);
  harness = await startHarness();
});

after(async () => {
  await harness?.destroy();
  await trapd?.stop();
  await rm(directory, { recursive: true, force: true });
});

test('v2c and v3 authPriv traps arrive with the right OIDs and values', async () => {
  const rule = await harness.api<{ id: string; actions: Array<{ config: Record<string, unknown> }> }>('POST', '/rules', {
    name: 'NMS',
    conditions: { eventTypes: ['sensor.disconnected'] },
    actions: [
      { type: 'snmp-trap', config: { host: '127.0.0.1', port: trapd.port, version: 'v2c', community: trapd.community } },
      { type: 'snmp-trap', config: { host: '127.0.0.1', port: trapd.port, version: 'v3', user: V3.user, authKey: V3.authKey, privKey: V3.privKey } },
    ],
  });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  assert.equal(rule.body.actions[0]?.config.community, '••••');
  assert.equal(rule.body.actions[1]?.config.privKey, '••••');

  const event = await harness.service.raise({
    type: 'sensor.disconnected',
    title: 'Sensor "plc|north" disconnected',
    sensor: { sensorId: 's-7', sensorName: 'plc|north', siteId: 'site-1', zoneId: 'zone-2' },
    fields: { reason: 'ping-timeout' },
  });
  const lines = await trapd.waitForLines(2);
  const oid = notificationOid('sensor.disconnected');
  assert.equal(oid, '1.3.6.1.4.1.61337.2.0.1');
  for (const line of lines) {
    assert.match(line, new RegExp(`\\.1\\.3\\.6\\.1\\.6\\.3\\.1\\.1\\.4\\.1\\.0 = OID: \\.${oid.replace(/\./g, '\\.')}\\b`), line);
    assert.ok(line.includes(`.${NOTIFICATION_OBJECT_OIDS.eventId} = STRING: "${event._id}"`), line);
    assert.ok(line.includes(`.${NOTIFICATION_OBJECT_OIDS.sensorName} = STRING: "plc|north"`), line);
    assert.ok(line.includes(`.${NOTIFICATION_OBJECT_OIDS.severity} = STRING: "major"`), line);
    assert.ok(line.includes(`.${NOTIFICATION_OBJECT_OIDS.zoneId} = STRING: "zone-2"`), line);
  }
  // %s is the security level: 1 noAuthNoPriv (community), 3 authPriv.
  assert.equal(lines.filter((line) => line.startsWith('TRAP 1|TRAP2, SNMP v2c, community public|')).length, 1, lines.join('\n'));
  assert.equal(lines.filter((line) => line.startsWith(`TRAP 3|TRAP2, SNMP v3, user ${V3.user},`)).length, 1, lines.join('\n'));
  await waitFor(async () => (await harness.api<{ deliveries: Array<{ status: string }> }>('GET', `/deliveries?eventId=${event._id}`)).body.deliveries.every((delivery) => delivery.status === 'delivered'), 5_000);
  const deliveries = await harness.api<{ deliveries: Array<{ status: string }> }>('GET', `/deliveries?eventId=${event._id}`);
  assert.equal(deliveries.body.deliveries.length, 2);
  assert.ok(!harness.logs.some((line) => line.includes(V3.privKey) || line.includes(V3.authKey)));
});

test('a v3 trap with a wrong privacy key is dropped by the receiver', async () => {
  const rule = await harness.api<{ id: string }>('POST', '/rules', {
    name: 'wrong key',
    conditions: { eventTypes: ['sensor.reconnected'] },
    actions: [{ type: 'snmp-trap', config: { host: '127.0.0.1', port: trapd.port, version: 'v3', user: V3.user, authKey: V3.authKey, privKey: 'not-the-key-123' } }],
  });
  assert.equal(rule.status, 201);
  const before = (await trapd.lines()).length;
  const tested = await harness.api<{ results: Array<{ ok: boolean }> }>('POST', `/rules/${rule.body.id}/test`);
  assert.equal(tested.body.results[0]?.ok, true, 'UDP: the trap left the console');
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal((await trapd.lines()).length, before, 'snmptrapd refused it');
});

test('v3 configs are validated: authPriv needs both keys of at least 8 characters', async () => {
  const response = await harness.api<{ error: { details: { problems: Array<{ path: string }> } } }>('POST', '/rules', {
    name: 'bad v3',
    conditions: { eventTypes: ['all'] },
    actions: [{ type: 'snmp-trap', config: { host: '127.0.0.1', version: 'v3', user: 'u', authKey: 'short' } }],
  });
  assert.equal(response.status, 400);
  assert.deepEqual(response.body.error.details.problems.map((problem) => problem.path), ['actions.0.config.authKey', 'actions.0.config.privKey']);
});
