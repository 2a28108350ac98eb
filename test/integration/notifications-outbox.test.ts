/**
 * The outbox under faults, against a real rsyslog over TCP: a SIEM that is down
 * then back (nothing lost, one "target failing" event), a console stopped with
 * pending deliveries (sent by the next start), the retry deadline (dead with its
 * reason, then retried by hand), and a flapping sensor (bounded messages).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FLAP_MAX_MESSAGES } from '../../server/src/modules/notifications/events/flap-guard.js';
import { waitFor } from '../helpers/free-ports.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { makeTlsMaterial, startHarness, startSecondInstance, type Harness } from './notifications-harness.js';

let directory: string;
let rsyslog: Rsyslog;
let harness: Harness;

interface DeliveryView {
  id: string;
  eventId: string;
  status: string;
  attempts: number;
  lastReason: string | null;
}

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-outbox-'));
  const tls = await makeTlsMaterial(directory);
  rsyslog = await startRsyslog(path.join(directory, 'rsyslog'), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem, authMode: 'anon' });
  harness = await startHarness();
});

after(async () => {
  await harness?.destroy();
  await rsyslog?.stop();
  await rm(directory, { recursive: true, force: true });
});

async function createRule(name: string, eventTypes: string[] = ['all']): Promise<string> {
  const response = await harness.api<{ id: string }>('POST', '/rules', {
    name,
    conditions: { eventTypes },
    actions: [{ type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tcpPort, transport: 'tcp', format: 'json' } }],
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

async function deliveriesOf(ruleId: string): Promise<DeliveryView[]> {
  const response = await harness.api<{ deliveries: DeliveryView[] }>('GET', `/deliveries?ruleId=${ruleId}&limit=500`);
  return response.body.deliveries;
}

async function linesWith(eventIds: string[]): Promise<Map<string, number>> {
  const counts = new Map(eventIds.map((id) => [id, 0]));
  for (const line of await rsyslog.lines()) {
    for (const id of eventIds) if (line.includes(`"id":"${id}"`)) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

test('SIEM down then back: every event arrives once, and the failing target is reported once', async () => {
  const ruleId = await createRule('siem-outage', ['backup.failed']);
  await rsyslog.stop();
  const events = await Promise.all(
    Array.from({ length: 20 }, (_, index) => harness.service.raise({ type: 'backup.failed', title: `backup ${index} failed`, fields: { reason: 'timeout' } })),
  );
  await waitFor(async () => (await deliveriesOf(ruleId)).every((delivery) => delivery.attempts >= 2), 10_000, () => 'deliveries to fail twice');
  const failing = await deliveriesOf(ruleId);
  assert.ok(failing.every((delivery) => delivery.status === 'pending' && /ECONNREFUSED/.test(delivery.lastReason ?? '')), JSON.stringify(failing[0]));

  await rsyslog.start();
  await waitFor(async () => (await deliveriesOf(ruleId)).every((delivery) => delivery.status === 'delivered'), 15_000, () => 'all delivered');
  const counts = await linesWith(events.map((event) => event._id));
  assert.deepEqual([...counts.values()].filter((count) => count !== 1), [], 'each event arrived exactly once');

  const targetFailing = await harness.service.events.list({ types: ['forwarding.target-failing'], limit: 10 });
  assert.equal(targetFailing.length, 1, 'one "forwarding target failing" event, not one per failure');
  assert.equal(targetFailing[0]?.fields.ruleId, ruleId);
  const toSameTarget = await harness.api<{ deliveries: DeliveryView[] }>('GET', `/deliveries?eventId=${targetFailing[0]?._id}`);
  assert.equal(toSameTarget.body.deliveries.length, 0, 'not sent to the target that is failing');
});

test('a console stopped with pending deliveries sends them after the next start', async () => {
  harness = await harness.restart({ paused: true });
  const ruleId = await createRule('restart');
  const events = await Promise.all(Array.from({ length: 5 }, (_, index) => harness.service.raise({ type: 'backup.missing', title: `no backup ${index}`, fields: { hours: 30 } })));
  const pending = await deliveriesOf(ruleId);
  assert.equal(pending.length, 5);
  assert.ok(pending.every((delivery) => delivery.status === 'pending' && delivery.attempts === 0));

  harness = await harness.restart({});
  await waitFor(async () => (await deliveriesOf(ruleId)).every((delivery) => delivery.status === 'delivered'), 15_000, () => 'delivered after restart');
  const counts = await linesWith(events.map((event) => event._id));
  assert.deepEqual([...counts.values()], [1, 1, 1, 1, 1]);
  assert.equal((await harness.api('DELETE', `/rules/${ruleId}`)).status, 204);
});

test('a delivery that fails until its deadline is dead with its reason, and a person can retry it', async () => {
  harness = await harness.restart({ timing: { deadlineMs: 400 } });
  const ruleId = await createRule('deadline', ['certificate.expiring']);
  await rsyslog.stop();
  const event = await harness.service.raise({ type: 'certificate.expiring', title: 'expiring', fields: { subject: 'CN=x', expiresAt: '2026-02-01' } });
  await waitFor(async () => (await deliveriesOf(ruleId))[0]?.status === 'dead', 10_000, () => 'delivery dead');
  const dead = await harness.api<{ deliveries: DeliveryView[] }>('GET', '/deliveries?status=dead');
  const mine = dead.body.deliveries.find((delivery) => delivery.eventId === event._id);
  assert.match(mine?.lastReason ?? '', /^Gave up after \d+ attempts \(deadline reached\): .*ECONNREFUSED/);

  await rsyslog.start();
  const retried = await harness.api<DeliveryView>('POST', `/deliveries/${encodeURIComponent(mine?.id ?? '')}/retry`);
  assert.equal(retried.status, 200);
  await waitFor(async () => (await deliveriesOf(ruleId))[0]?.status === 'delivered', 10_000, () => 'retried delivery delivered');
  assert.equal((await linesWith([event._id])).get(event._id), 1);
  const again = await harness.api<{ error: { code: string } }>('POST', `/deliveries/${encodeURIComponent(mine?.id ?? '')}/retry`);
  assert.equal(again.status, 409);
});

test('a flapping sensor produces at most three messages and one summary', async () => {
  const ruleId = await createRule('flapping', ['sensor.disconnected', 'sensor.reconnected', 'sensor.flapping']);
  const sensor = { sensorId: 'flappy', sensorName: 'flappy', siteId: null, zoneId: null };
  const start = Date.now();
  for (let index = 0; index < 12; index += 1) {
    const disconnected = index % 2 === 0;
    harness.events.publish('sensor.presence-changed', {
      ...sensor,
      previous: disconnected ? 'unreachable' : 'disconnected',
      current: disconnected ? 'disconnected' : 'connected',
      reason: disconnected ? 'grace-period-elapsed' : 'link-established',
      at: new Date(start + index * 1000),
    });
  }
  await waitFor(async () => (await harness.service.events.list({ sensorId: 'flappy', limit: 50 })).length === 13, 5_000, () => '13 events stored');
  await waitFor(async () => (await deliveriesOf(ruleId)).filter((delivery) => delivery.status === 'delivered').length === FLAP_MAX_MESSAGES + 1, 10_000);
  const stored = await harness.service.events.list({ sensorId: 'flappy', limit: 50 });
  assert.equal(stored.filter((event) => event.suppressed === 'flapping').length, 12 - FLAP_MAX_MESSAGES);
  assert.equal(stored.filter((event) => event.type === 'sensor.flapping').length, 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await deliveriesOf(ruleId)).length, FLAP_MAX_MESSAGES + 1, 'no further messages');
});

test('unreachable sensors inside the grace period raise nothing', async () => {
  const before = (await harness.service.events.list({ sensorId: 'brief', limit: 10 })).length;
  const sensor = { sensorId: 'brief', sensorName: 'brief', siteId: null, zoneId: null };
  harness.events.publish('sensor.presence-changed', { ...sensor, previous: 'connected', current: 'unreachable', reason: 'ping-timeout', at: new Date() });
  harness.events.publish('sensor.presence-changed', { ...sensor, previous: 'unreachable', current: 'connected', reason: 'link-established', at: new Date() });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await harness.service.events.list({ sensorId: 'brief', limit: 10 })).length, before);
});

test('two console instances share the outbox: partitions split, every event sent exactly once', async () => {
  const ruleId = await createRule('shared', ['console.component-down']);
  const second = await startSecondInstance(harness);
  try {
    const raise = (service: typeof harness.service, index: number) =>
      service.raise({ type: 'console.component-down', title: `component ${index} down`, fields: { component: `c${index}`, detail: null } });
    const ids: string[] = [];
    // Spread over a few seconds so both workers renew, rebalance and send.
    for (let round = 0; round < 10; round += 1) {
      const events = await Promise.all(Array.from({ length: 10 }, (_, index) => raise(index % 2 === 0 ? harness.service : second.service, round * 10 + index)));
      ids.push(...events.map((event) => event._id));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await waitFor(async () => (await deliveriesOf(ruleId)).filter((delivery) => delivery.status === 'delivered').length === ids.length, 20_000, () => 'all delivered');
    const counts = await linesWith(ids);
    assert.deepEqual([...counts.values()].filter((count) => count !== 1), [], 'each event arrived exactly once');
    const owners = new Set((await harness.database.db.collection<{ owner: string }>('notificationOutboxLeases').find({}).toArray()).map((lease) => lease.owner));
    assert.equal(owners.size, 2, 'both instances hold partitions');
  } finally {
    await second.stop();
  }
});

test('a burst of 3,000 events goes out in outbox pages: each arrives once, each delivery is recorded, and old records are pruned', async () => {
  const ruleId = await createRule('burst', ['backup.storage-low']);
  const events = await Promise.all(
    Array.from({ length: 3000 }, (_, index) => harness.service.raise({ type: 'backup.storage-low', title: `storage low ${index}`, fields: { freePercent: index % 100 } })),
  );
  const ids = events.map((event) => event._id);
  const arrivals = async () => {
    const counts = new Map(ids.map((id) => [id, 0]));
    for (const line of await rsyslog.lines()) {
      const id = / - \{"id":"([^"]+)"/.exec(line)?.[1];
      if (id !== undefined && counts.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  let counts = new Map<string, number>();
  await waitFor(async () => {
    counts = await arrivals();
    return [...counts.values()].every((count) => count > 0);
  }, 60_000, () => `${[...counts.values()].filter((count) => count > 0).length} of ${ids.length} events at rsyslog`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  counts = await arrivals();
  assert.deepEqual([...counts.values()].filter((count) => count !== 1), [], 'each event arrived exactly once');
  let delivered: DeliveryView[] = [];
  await waitFor(async () => {
    delivered = (await harness.service.deliveries.list({ ruleId, status: 'delivered', limit: 5000 })).map((delivery) => ({ ...delivery, id: delivery._id }));
    return delivered.length === ids.length;
  }, 30_000, () => `${delivered.length} of ${ids.length} recorded delivered`);
  assert.deepEqual(new Set(delivered.map((delivery) => delivery.eventId)), new Set(ids));
  assert.ok(delivered.every((delivery) => delivery.attempts === 1), 'each delivered on its first attempt');
  const one = await harness.api<DeliveryView>('GET', `/deliveries?eventId=${ids[1234]}`);
  assert.equal((one.body as unknown as { deliveries: DeliveryView[] }).deliveries[0]?.status, 'delivered');

  // Retention: delivered records older than the cut-off go, with the pages that held them.
  await harness.service.deliveries.pruneDelivered(new Date(Date.now() + 60_000));
  assert.equal((await harness.service.deliveries.list({ ruleId, limit: 5000 })).length, 0);
  const pages = await harness.database.db.collection<{ items: Array<{ ruleId: string }> }>('notificationOutboxPages').countDocuments({ 'items.ruleId': ruleId });
  assert.equal(pages, 0, 'no outbox page of the rule is left');
});
