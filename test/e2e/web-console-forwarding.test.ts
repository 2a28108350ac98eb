/**
 * Forwarding in the browser, against a real console, a real rsyslog and a real
 * SMTP server: a syslog rule is created (the server's field error shows beside
 * the field first), Test shows the action's result in words and the line
 * arrives at rsyslog; the mail server is saved with its password write-only and
 * a test mail arrives; the delivery log and the system events list render.
 * No request may leave the console's host.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chooseOption, foreignHosts, openBrowser, signInInBrowser, type TestBrowser } from '../helpers/browser.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import { makeTlsMaterial, type TlsMaterial } from '../integration/notifications-harness.js';

let testConsole: TestConsole;
let browser: TestBrowser;
let rsyslog: Rsyslog;
let smtp: SmtpReceiver;
let tls: TlsMaterial;
let directory: string;

before(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-e2e-forwarding-'));
  tls = await makeTlsMaterial(directory);
  rsyslog = await startRsyslog(path.join(directory, 'rsyslog'), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem, authMode: 'anon' });
  smtp = await startSmtpReceiver({ certPem: tls.certPem, keyPem: tls.keyPem });
  testConsole = await startTestConsole();
  await signInAsAdmin(testConsole);
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await testConsole?.destroy();
  await smtp?.stop();
  await rsyslog?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

test('an admin signs in and finds the forwarding pages', async () => {
  const { page } = browser;
  await signInInBrowser(page, testConsole.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.getByRole('link', { name: 'Forwarding rules' }).click();
  await page.getByText('No forwarding rules yet.').waitFor();
  await browser.screenshot('forwarding-rules-empty');
});

test('a syslog rule to rsyslog is created, tested from the page, and the test line arrives', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'New rule' }).click();
  await page.getByRole('heading', { name: 'New forwarding rule' }).waitFor();
  await page.getByLabel('Rule name').fill('SIEM over TCP');
  await page.getByRole('button', { name: 'Add action' }).click();
  const action = page.locator('[data-action-type="syslog"]');
  await action.getByText('TCP', { exact: true }).click();
  await action.getByLabel('Format').click();
  await page.getByRole('option', { name: 'CEF (ArcSight)' }).click();

  // The server's reason shows beside the field it is about.
  await action.getByLabel('Receiver host').fill('not a host!');
  await page.getByRole('button', { name: 'Create rule' }).click();
  await action.getByText('Not an IP address or host name').waitFor();
  await browser.screenshot('forwarding-rule-field-error');

  await action.getByLabel('Receiver host').fill('127.0.0.1');
  await action.getByLabel('Port', { exact: true }).fill(String(rsyslog.tcpPort));
  await page.getByRole('button', { name: 'Create rule' }).click();
  await page.getByRole('heading', { name: 'Forwarding rule: SIEM over TCP' }).waitFor();

  await page.getByTestId('rule-test').getByRole('button', { name: 'Test' }).click();
  const result = page.getByTestId('rule-test').locator('[data-result]');
  await result.waitFor({ timeout: 30_000 });
  assert.equal(await result.getAttribute('data-result'), 'ok', await result.innerText());
  assert.match(await result.innerText(), new RegExp(`Delivered to syslog TCP 127\\.0\\.0\\.1:${rsyslog.tcpPort} \\(cef\\)\\.`));
  await browser.screenshot('forwarding-rule-tested');

  const lines = await rsyslog.waitForLines(1, 20_000);
  assert.ok(lines.some((line) => line.includes('CEF:0|') && line.includes('Test notification from forwarding rule')), lines.join('\n'));

  await page.getByRole('link', { name: 'Back to the rules' }).click();
  await page.locator('[data-rule-name="SIEM over TCP"]').getByText('Enabled').waitFor();
  await browser.screenshot('forwarding-rules');
});

test('the mail server is saved with a write-only password and a test mail arrives', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Mail server' }).click();
  await page.getByText('No mail server is set yet').waitFor();
  await page.getByLabel('SMTP host').fill('localhost');
  await page.getByLabel('Port', { exact: true }).fill(String(smtp.port));
  await page.getByLabel('Sender address').fill('garrison@example.org');
  await page.getByLabel('User name (optional)').fill(smtp.username);
  await page.getByLabel('Password').fill(smtp.password);
  await page.getByLabel("Mail server's CA (PEM, optional)").fill(tls.caPem);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Saved. Send a test mail to check it.').waitFor();
  // Read back: the password is stored but never sent to the browser.
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  assert.equal(await page.getByLabel('Password').getAttribute('placeholder'), 'Stored; type to replace');

  await page.getByLabel('To', { exact: true }).fill('soc@example.org');
  await page.getByRole('button', { name: 'Send test mail' }).click();
  await page.getByText('The mail server accepted the test mail for soc@example.org.').waitFor({ timeout: 30_000 });
  const [mail] = await smtp.waitForMessages(1);
  assert.equal(mail?.subject, '[Garrison] Test mail');
  await browser.screenshot('mail-server');
});

test('the delivery log and the system events list explain themselves', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Deliveries' }).click();
  await page.getByRole('heading', { name: 'Deliveries' }).waitFor();
  await page.getByText('Nothing has been forwarded yet.').or(page.getByTestId('deliveries-table')).waitFor();
  await page.getByText('Dead', { exact: true }).click();
  await page.getByText('No dead deliveries.').waitFor();
  await browser.screenshot('deliveries');

  await page.getByRole('link', { name: 'System events' }).click();
  await page.getByRole('heading', { name: 'System events' }).waitFor();
  await chooseOption(page, 'Minimum severity', 'Critical');
  await page.getByText('No event matches these filters.').or(page.getByTestId('events-table')).waitFor();
  await browser.screenshot('system-events');
});

test('nothing left the console host, and the CSP refused nothing', () => {
  const consoleHost = new URL(testConsole.baseUrl).host;
  assert.ok(browser.requests.length > 5, 'requests were recorded');
  assert.deepEqual(foreignHosts(browser.requests, consoleHost), []);
  assert.deepEqual(browser.errors.filter((text) => /Content Security Policy/i.test(text)), []);
});
