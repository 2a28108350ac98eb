/**
 * Email forwarding to a real SMTP server (STARTTLS + AUTH): SMTP settings with a
 * write-only password, the test mail, a forwarded event parsed back with
 * mailparser, strict recipient validation, and the outbox's reading of replies
 * (451 retried, 550 given up at once).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/free-ports.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { makeTlsMaterial, startHarness, type Harness, type TlsMaterial } from './notifications-harness.js';

let directory: string;
let tls: TlsMaterial;
let smtp: SmtpReceiver;
let harness: Harness;
let ruleId: string;

interface DeliveryView {
  eventId: string;
  status: string;
  attempts: number;
  lastReason: string | null;
}

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-email-'));
  tls = await makeTlsMaterial(directory);
  smtp = await startSmtpReceiver(tls);
  harness = await startHarness();
});

after(async () => {
  await harness?.destroy();
  await smtp?.stop();
  await rm(directory, { recursive: true, force: true });
});

test('SMTP settings: the password is write-only, and the test mail goes through STARTTLS + AUTH', async () => {
  const settings = { host: 'localhost', port: smtp.port, security: 'starttls', username: smtp.username, password: smtp.password, sender: 'garrison@example.org', trustedCaPem: tls.caPem };
  const saved = await harness.api<Record<string, unknown>>('PUT', '/smtp', settings);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.password, '••••');
  const read = await harness.api<Record<string, unknown>>('GET', '/smtp');
  assert.equal(read.body.password, '••••');
  const { updatedAt, ...rest } = read.body;
  assert.ok(updatedAt);
  assert.equal((await harness.api('PUT', '/smtp', rest)).status, 200, 'sending the mask back keeps the password');

  const tested = await harness.api<{ ok: boolean; result: string }>('POST', '/smtp/test', { to: 'soc@example.org' });
  assert.deepEqual(tested.body, { ok: true, result: 'The mail server accepted the test mail for soc@example.org.' });
  const [mail] = await smtp.waitForMessages(1);
  assert.equal(mail?.subject, '[Garrison] Test mail');
  assert.equal(mail?.from?.value[0]?.address, 'garrison@example.org');
  assert.ok(!harness.logs.some((line) => line.includes(smtp.password)), 'the SMTP password is in no log line');
  const stored = JSON.stringify(await harness.database.db.collection('notificationSettings').findOne({}));
  assert.ok(!stored.includes(smtp.password), 'sealed at rest');
});

test('recipients are validated strictly', async () => {
  const response = await harness.api<{ error: { details: { problems: Array<{ path: string }> } } }>('POST', '/rules', {
    name: 'bad mail',
    conditions: { eventTypes: ['all'] },
    actions: [{ type: 'email', config: { recipients: ['soc@example.org', 'Name <a@example.org>', 'a@b', 'x@example.org\r\nBcc: evil@example.org', 'SOC@example.org'] } }],
  });
  assert.equal(response.status, 400);
  assert.deepEqual(
    response.body.error.details.problems.map((problem) => problem.path),
    ['actions.0.config.recipients.1', 'actions.0.config.recipients.2', 'actions.0.config.recipients.3', 'actions.0.config.recipients'],
  );
  const tested = await harness.api('POST', '/smtp/test', { to: 'not-an-address' });
  assert.equal(tested.status, 400);
});

test('a forwarded event arrives as a parsed mail carrying the event id', async () => {
  const rule = await harness.api<{ id: string }>('POST', '/rules', {
    name: 'mail the SOC',
    conditions: { eventTypes: ['backup.failed'] },
    actions: [{ type: 'email', config: { recipients: ['soc@example.org', 'ot@example.org'] } }],
  });
  assert.equal(rule.status, 201);
  ruleId = rule.body.id;
  const before = smtp.messages.length;
  const event = await harness.service.raise({
    type: 'backup.failed',
    title: 'Backup of "plc-north" failed',
    sensor: { sensorId: 's1', sensorName: 'plc-north', siteId: 'site-1', zoneId: null },
    fields: { reason: 'not enough space' },
  });
  const messages = await smtp.waitForMessages(before + 1);
  const mail = messages[before];
  assert.equal(mail?.subject, '[Garrison] MAJOR: Backup of "plc-north" failed');
  assert.equal(mail?.headers.get('x-garrison-event-id'), event._id);
  assert.match(mail?.text ?? '', new RegExp(`Event id:  ${event._id}`));
  assert.match(mail?.text ?? '', /reason:    not enough space/);
  assert.deepEqual((Array.isArray(mail?.to) ? mail.to : [mail?.to]).flatMap((to) => to?.value.map((entry) => entry.address)), ['soc@example.org', 'ot@example.org']);
});

async function deliveryOf(eventId: string): Promise<DeliveryView | undefined> {
  const response = await harness.api<{ deliveries: DeliveryView[] }>('GET', `/deliveries?eventId=${eventId}`);
  return response.body.deliveries[0];
}

test('451 is retried until it goes through; 550 is given up at once', async () => {
  smtp.failNext(451, 2);
  const transient = await harness.service.raise({ type: 'backup.failed', title: 'transient', fields: { reason: 'x' } });
  await waitFor(async () => (await deliveryOf(transient._id))?.status === 'delivered', 15_000, () => 'delivered after 451s');
  assert.equal((await deliveryOf(transient._id))?.attempts, 3);

  smtp.failNext(550, 1);
  const permanent = await harness.service.raise({ type: 'backup.failed', title: 'permanent', fields: { reason: 'x' } });
  await waitFor(async () => (await deliveryOf(permanent._id))?.status === 'dead', 15_000, () => 'dead after 550');
  const dead = await deliveryOf(permanent._id);
  assert.equal(dead?.attempts, 1);
  assert.match(dead?.lastReason ?? '', /^The mail server answered 550/);
  assert.ok(ruleId);
});
