/**
 * "Enable certificate validation" against receivers whose certificate the
 * console does not trust (a test CA it was not given): on (the default), the
 * webhook and the syslog-over-TLS rule tests fail and say it is the
 * certificate, and the receivers get nothing; off, the same rules deliver.
 * Giving the receiver's CA (trustedCaPem) delivers with validation on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAs, signInAsAdmin, type SignedIn } from '../helpers/test-session.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { makeTlsMaterial, type TlsMaterial } from './notifications-harness.js';

let testConsole: TestConsole;
let admin: SignedIn;
let directory: string;
let tls: TlsMaterial;
let receiver: WebhookReceiver;
let rsyslog: Rsyslog;

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-outbound-tls-'));
  tls = await makeTlsMaterial(directory);
  receiver = await startWebhookReceiver(tls);
  rsyslog = await startRsyslog(path.join(directory, 'rsyslog'), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem, authMode: 'anon' });
  testConsole = await startTestConsole();
  admin = await signInAsAdmin(testConsole);
});
after(async () => {
  await testConsole?.destroy();
  await receiver?.stop();
  await rsyslog?.stop();
  await rm(directory, { recursive: true, force: true });
});

interface RuleTest {
  results: { ok: boolean; result: string; type: string }[];
}

async function createRule(name: string, action: unknown): Promise<string> {
  const created = await api<{ id: string }>(testConsole, 'POST', '/notifications/rules', { headers: admin.headers, body: { name, conditions: { eventTypes: ['all'] }, actions: [action] } });
  assert.equal(created.status, 201, created.text);
  return created.body.id;
}

async function testRule(id: string) {
  const response = await api<RuleTest>(testConsole, 'POST', `/notifications/rules/${id}/test`, { headers: admin.headers });
  assert.equal(response.status, 200, response.text);
  const [result] = response.body.results;
  assert.ok(result, response.text);
  return result;
}

async function setValidation(enabled: boolean): Promise<void> {
  const response = await api<{ enabled: boolean }>(testConsole, 'PUT', '/pki/outbound-validation', { headers: admin.headers, body: { enabled } });
  assert.equal(response.status, 200, response.text);
  assert.equal(response.body.enabled, enabled);
}

test('validation is on by default, admin-only, and its changes are audited', async () => {
  const shown = await api<{ enabled: boolean; updatedBy: string | null }>(testConsole, 'GET', '/pki/outbound-validation', { headers: admin.headers });
  assert.equal(shown.status, 200, shown.text);
  assert.deepEqual({ enabled: shown.body.enabled, updatedBy: shown.body.updatedBy }, { enabled: true, updatedBy: null });
  const bad = await api(testConsole, 'PUT', '/pki/outbound-validation', { headers: admin.headers, body: { enabled: 'no' } });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.text, /"path":"enabled"/);
  const analyst = await signInAs(testConsole, 'security-analyst');
  assert.equal((await api(testConsole, 'PUT', '/pki/outbound-validation', { headers: analyst.headers, body: { enabled: false } })).status, 403);
  assert.equal((await api(testConsole, 'GET', '/pki/outbound-validation', { headers: analyst.headers })).status, 403);
});

test('webhook: an untrusted receiver certificate stops the delivery and says why until validation is turned off', async () => {
  const ruleId = await createRule('untrusted webhook', { type: 'webhook', config: { url: receiver.url, secret: 'a-webhook-secret-of-32-characters', timeoutMs: 5000 } });

  const refused = await testRule(ruleId);
  assert.equal(refused.ok, false);
  assert.match(refused.result, /self[- ]signed|unable to (get|verify)|certificate/i);
  console.log(`webhook refused with validation on: ${refused.result}`);
  assert.equal(receiver.received.length, 0, 'nothing reached the receiver');

  await setValidation(false);
  const delivered = await testRule(ruleId);
  assert.equal(delivered.ok, true, delivered.result);
  await receiver.waitFor(1);

  await setValidation(true);
  const refusedAgain = await testRule(ruleId);
  assert.equal(refusedAgain.ok, false, 'on again: refused again');
  assert.equal(receiver.received.length, 1);

  // With the receiver's CA given, validation on delivers: the check is real, not a blanket refusal.
  const trustedId = await createRule('trusted webhook', { type: 'webhook', config: { url: receiver.url, secret: 'a-webhook-secret-of-32-characters', trustedCaPem: tls.caPem, timeoutMs: 5000 } });
  assert.equal((await testRule(trustedId)).ok, true);

  const audited = await testConsole.garrison.database().db.collection('auditRecords').find({ action: 'pki.outbound-validation-changed' }).sort({ at: 1 }).toArray();
  assert.deepEqual(audited.map((record) => (record.after as { enabled: boolean }).enabled), [false, true]);
});

test('syslog over TLS: refused with validation on, delivered with it off', async () => {
  // A fresh target per phase: a syslog connection stays open and is reused once established.
  const refusedId = await createRule('untrusted syslog', { type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tlsPort, transport: 'tls', serverName: 'localhost', appName: 'refused', timeoutMs: 5000 } });
  const refused = await testRule(refusedId);
  assert.equal(refused.ok, false);
  assert.match(refused.result, /self[- ]signed|unable to (get|verify)|certificate/i);
  console.log(`syslog TLS refused with validation on: ${refused.result}`);

  await setValidation(false);
  const deliveredId = await createRule('syslog, validation off', { type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tlsPort, transport: 'tls', serverName: 'localhost', appName: 'delivered', timeoutMs: 5000 } });
  const delivered = await testRule(deliveredId);
  assert.equal(delivered.ok, true, delivered.result);
  const lines = await rsyslog.waitForLines(1);
  assert.ok(lines.some((line) => line.includes('delivered')), lines.join('\n'));
  assert.ok(!lines.some((line) => line.includes('refused')), 'the refused message never arrived');

  // Turning validation back on closes the open connection: the same target is refused at once.
  await setValidation(true);
  const againRefused = await testRule(deliveredId);
  assert.equal(againRefused.ok, false, 'the connection opened without validation was not reused');
  assert.match(againRefused.result, /self[- ]signed|unable to (get|verify)|certificate/i);
});
