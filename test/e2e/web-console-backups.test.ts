/**
 * Backups in the browser, against a real console and a real linked sensor whose
 * capture core holds data: a local folder target is created and its Test writes,
 * reads back and deletes a probe file; Back up now on the sensor's page stores a
 * file that is listed there, and the run shows as succeeded on the Backups page.
 * No request may leave the console's host.
 */
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { foreignHosts, openBrowser, signInInBrowser, type TestBrowser } from '../helpers/browser.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';
import type { TestSensor } from '../helpers/test-sensors.js';
import { createZone, linkedSensorWithData } from '../integration/backups-harness.js';

const SENSOR_NAME = 'e2e-backup-sensor';

let testConsole: TestConsole;
let browser: TestBrowser;
let sensor: TestSensor;
let targetDirectory: string;

before(async () => {
  testConsole = await startTestConsole();
  const admin = await signInAsAdmin(testConsole);
  const { zoneId } = await createZone(testConsole, admin, 'Compressor hall');
  sensor = await linkedSensorWithData(testConsole, admin, SENSOR_NAME, zoneId);
  targetDirectory = await makeTempDir('e2e-backup-target');
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await sensor?.stop();
  await testConsole?.destroy();
  if (targetDirectory) await rm(targetDirectory, { recursive: true, force: true });
});

test('a local target is created and tested from the page', async () => {
  const { page } = browser;
  await signInInBrowser(page, testConsole.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByTestId('backup-runs').getByText('No backup has run yet.').waitFor();

  await page.getByRole('button', { name: 'New target' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Target name').fill('Spare disk');
  await dialog.getByRole('textbox', { name: 'Folder', exact: true }).fill('relative/path');
  await dialog.getByRole('button', { name: 'Create target' }).click();
  await dialog.getByText('must be an absolute path').waitFor();
  await dialog.getByRole('textbox', { name: 'Folder', exact: true }).fill(targetDirectory);
  await dialog.getByRole('button', { name: 'Create target' }).click();

  const row = page.locator('[data-target-name="Spare disk"]');
  await row.getByText('0 files').waitFor();
  await row.getByRole('button', { name: 'Test' }).click();
  const result = row.locator('[data-test-result]');
  await result.waitFor({ timeout: 20_000 });
  assert.equal(await result.getAttribute('data-test-result'), 'ok', await result.innerText());
  assert.deepEqual(await readdir(targetDirectory), [], 'the probe file was deleted');
});

test('Back up now on the sensor page stores a file, listed there and as a succeeded run', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Sensors', exact: true }).click();
  await page.getByRole('link', { name: SENSOR_NAME }).click();
  const card = page.getByTestId('sensor-backups');
  await card.getByText('No stored backup yet.').waitFor();
  await card.getByRole('button', { name: 'Back up now' }).click();
  await card.locator('[data-backup-file]').first().waitFor({ timeout: 60_000 });
  await browser.screenshot('sensor-backups');

  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByTestId('backup-runs').locator(`[data-sensor-name="${SENSOR_NAME}"][data-run-status="succeeded"]`).waitFor({ timeout: 30_000 });
  await browser.screenshot('backups');
});

test('nothing left the console host, and the CSP refused nothing', () => {
  const consoleHost = new URL(testConsole.baseUrl).host;
  assert.deepEqual(foreignHosts(browser.requests, consoleHost), []);
  assert.deepEqual(browser.errors.filter((text) => /Content Security Policy/i.test(text)), []);
});
