/**
 * Webhook forwarding to a local HTTPS receiver: signed JSON carrying the event
 * id, a write-only secret, 503 retried and 400 given up at once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/free-ports.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { makeTlsMaterial, startHarness, type Harness } from './notifications-harness.js';

const SECRET = 'webhook-secret-8d7e6f5a4b3c';
let directory: string;
let receiver: WebhookReceiver;
let harness: Harness;

interface DeliveryView {
  status: string;
  attempts: number;
  lastReason: string | null;
}

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-webhook-'));
  const tls = await makeTlsMaterial(directory);
  receiver = await startWebhookReceiver(tls);
  harness = await startHarness();
  const rule = await harness.api<{ actions: Array<{ config: Record<string, unknown> }> }>('POST', '/rules', {
    name: 'hook',
    conditions: { eventTypes: ['settings.apply-failed'] },
    actions: [{ type: 'webhook', config: { url: receiver.url, secret: SECRET, trustedCaPem: tls.caPem, timeoutMs: 2000 } }],
  });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  assert.equal(rule.body.actions[0]?.config.secret, '••••');
});

after(async () => {
  await harness?.destroy();
  await receiver?.stop();
  await rm(directory, { recursive: true, force: true });
});

async function deliveryOf(eventId: string): Promise<DeliveryView | undefined> {
  return (await harness.api<{ deliveries: DeliveryView[] }>('GET', `/deliveries?eventId=${eventId}`)).body.deliveries[0];
}

test('a signed JSON POST carries the event and its id', async () => {
  const event = await harness.service.raise({ type: 'settings.apply-failed', title: 'NTP "x" rejected\n', fields: { revision: 7, reason: 'bad \\ server' } });
  const [webhook] = await receiver.waitFor(1);
  assert.ok(webhook);
  assert.ok(receiver.verify(webhook, SECRET), 'signature verifies with the shared secret');
  assert.ok(!receiver.verify(webhook, 'another-secret-000000'));
  assert.equal(webhook.headers['x-garrison-event-id'], event._id);
  assert.equal(webhook.headers['content-type'], 'application/json');
  const body = JSON.parse(webhook.body) as { event: { id: string; title: string; fields: Record<string, unknown> }; rule: string };
  assert.equal(body.event.id, event._id);
  assert.equal(body.event.title, 'NTP "x" rejected\n');
  assert.deepEqual(body.event.fields, { revision: 7, reason: 'bad \\ server' });
  assert.equal(body.rule, 'hook');
  assert.ok(!harness.logs.some((line) => line.includes(SECRET)));
});

test('503 is retried, 400 is given up at once', async () => {
  receiver.respondWith(503, 2);
  const retried = await harness.service.raise({ type: 'settings.apply-failed', title: 'retried', fields: { revision: 8, reason: 'x' } });
  await waitFor(async () => (await deliveryOf(retried._id))?.status === 'delivered', 10_000, () => 'delivered after 503s');
  assert.equal((await deliveryOf(retried._id))?.attempts, 3);

  receiver.respondWith(400, 1);
  const refused = await harness.service.raise({ type: 'settings.apply-failed', title: 'refused', fields: { revision: 9, reason: 'x' } });
  await waitFor(async () => (await deliveryOf(refused._id))?.status === 'dead', 10_000, () => 'dead after 400');
  const dead = await deliveryOf(refused._id);
  assert.equal(dead?.attempts, 1);
  assert.equal(dead?.lastReason, 'The receiver answered HTTP 400 Bad Request');
});

test('the URL must be https and the secret long enough', async () => {
  const response = await harness.api<{ error: { details: { problems: Array<{ path: string }> } } }>('POST', '/rules', {
    name: 'bad hook',
    conditions: { eventTypes: ['all'] },
    actions: [{ type: 'webhook', config: { url: 'http://example.org/hook', secret: 'short' } }],
  });
  assert.equal(response.status, 400);
  assert.deepEqual(response.body.error.details.problems.map((problem) => problem.path), ['actions.0.config.url', 'actions.0.config.secret']);
});
