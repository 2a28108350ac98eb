/**
 * The sensor settings editor in the browser, against a real console and a real
 * linked sensor-link sensor in a zone: an edit at zone scope is previewed
 * (changed fields, the affected sensor) before saving, a bad value is refused
 * beside its field, and after Save the rollout shows the sensor catching up
 * live. Then the certificates page shows the web certificate and the SSH host
 * key fingerprint. No request may leave the console's host.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chooseOption, foreignHosts, openBrowser, signInInBrowser, type TestBrowser } from '../helpers/browser.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { api, signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import { createTestSensor, singleUseConnectionString, type TestSensor } from '../helpers/test-sensors.js';

const SENSOR_NAME = 'e2e-settings-sensor';

let testConsole: TestConsole;
let browser: TestBrowser;
let sensor: TestSensor;

before(async () => {
  testConsole = await startTestConsole();
  const admin = await signInAsAdmin(testConsole);
  const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { body: { name: 'Plant South' }, headers: admin.headers });
  assert.equal(site.status, 201, site.text);
  const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { body: { name: 'Boiler house', siteId: site.body.id }, headers: admin.headers });
  assert.equal(zone.status, 201, zone.text);
  const issued = await singleUseConnectionString(testConsole, admin.headers, { zoneId: zone.body.id });
  sensor = await createTestSensor(SENSOR_NAME);
  await sensor.enroll(issued.connectionString);
  await sensor.link();
  await sensor.waitForState('connected');
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await sensor?.stop();
  await testConsole?.destroy();
});

test('a zone-scope edit shows the affected sensor before saving, and the rollout catches up live', async () => {
  const { page } = browser;
  await signInInBrowser(page, testConsole.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Sensor settings' }).click();
  await page.getByRole('heading', { name: 'Sensor settings' }).waitFor();
  await chooseOption(page, 'Scope', 'Zone Plant South / Boiler house');
  await page.getByText('nothing saved at this scope yet').waitFor();

  // A value the shared settings schema refuses: the preview names the field.
  await page.getByRole('tab', { name: 'Time zone and date format' }).click();
  await page.getByRole('textbox', { name: 'Time zone', exact: true }).fill('Mars/Olympus_Mons');
  await page.getByText('must be an IANA time zone such as Europe/Berlin or UTC').waitFor();
  await page.getByRole('textbox', { name: 'Time zone', exact: true }).fill('Europe/Berlin');

  await page.getByRole('tab', { name: 'NTP' }).click();
  await page.getByLabel('NTP servers: set at this scope').check();
  await page.getByRole('button', { name: 'Add NTP server' }).click();
  await page.getByRole('textbox', { name: 'NTP servers 1 Address' }).fill('10.20.30.40');

  const preview = page.getByTestId('settings-preview');
  // The preview follows the edits with a short delay: wait for the one that includes the NTP change.
  await preview.getByText(/ntp\.servers/).first().waitFor({ timeout: 15_000 });
  await preview.getByText('1 of 1 sensor in this scope get new settings.').waitFor({ timeout: 15_000 });
  assert.match(await preview.getByTestId('affected-sensors').innerText(), new RegExp(SENSOR_NAME));
  assert.match(await preview.innerText(), /ntp\.servers/);
  assert.match(await preview.innerText(), /timeRegion\.timeZone/);
  await browser.screenshot('settings-preview');

  await page.getByRole('button', { name: 'Save and push to 1 sensor' }).click();
  await page.getByText(/Saved as revision \d+/).waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    await browser.screenshot('settings-save-failed');
    throw error;
  });
  const row = page.getByTestId('rollout').locator(`[data-sensor-name="${SENSOR_NAME}"]`);
  await row.getByText('Applied', { exact: true }).waitFor({ timeout: 30_000 });
  await page.getByTestId('rollout-summary').getByText('1 of 1 applied').waitFor();

  // The effective result names where each value comes from.
  await chooseOption(page, 'For sensor', SENSOR_NAME);
  const effective = page.getByTestId('effective-settings');
  await effective.getByRole('cell', { name: '10.20.30.40:123' }).waitFor();
  await browser.screenshot('settings-rollout');
});

test('the certificates page shows the web certificate and the SSH host key fingerprint', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Certificates' }).click();
  await page.getByTestId('web-certificate').getByText('Issued by the console CA').waitFor();
  assert.match(await page.getByTestId('web-certificate').innerText(), /([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  await page.getByTestId('ssh-host-key').getByText(/ED25519 key fingerprint is SHA256:/).waitFor();
  await browser.screenshot('certificates');
});

test('nothing left the console host, and the CSP refused nothing', () => {
  const consoleHost = new URL(testConsole.baseUrl).host;
  assert.deepEqual(foreignHosts(browser.requests, consoleHost), []);
  assert.deepEqual(browser.errors.filter((text) => /Content Security Policy/i.test(text)), []);
});
