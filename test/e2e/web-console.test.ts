/**
 * The web console end to end, in Debian's Chromium against a real console and
 * the real sensor-link CLI: first sign-in with the forced password change,
 * sites and zones, copying the standing connection string from the page,
 * `sensor-link connect` with it, the sensor appearing as Unassigned without a
 * reload, assigning it to a zone, and its state changing live when its link
 * process dies. No request may leave the console's host, and the strict CSP
 * must refuse nothing.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chooseOption, foreignHosts, openBrowser, type TestBrowser } from '../helpers/browser.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';

const NEW_PASSWORD = 'e2e-admin-password-7d41c2';
const SENSOR_NAME = 'e2e-sensor-1';
const CLI = path.resolve('sensor-link', 'src', 'cli.ts');

let testConsole: TestConsole;
let browser: TestBrowser;
let sensorDir: string;
const children: ChildProcess[] = [];

before(async () => {
  testConsole = await startTestConsole();
  browser = await openBrowser();
  sensorDir = await makeTempDir('e2e-sensor');
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await browser?.close();
  await testConsole?.destroy();
  if (sensorDir) await rm(sensorDir, { recursive: true, force: true });
});

function runCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; output: string }> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

test('first sign-in forces a password change, then shows who is signed in', async () => {
  const { page } = browser;
  const initial = (await readFile(path.join(testConsole.dataDir, 'initial-admin-password'), 'utf8')).trim();
  await page.goto(testConsole.baseUrl);
  await page.getByLabel('User name').waitFor();
  await browser.screenshot('sign-in');
  await page.locator('input[name=username]').fill('admin');
  await page.locator('input[name=password]').fill('wrong-password-123456');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();

  await page.locator('input[name=password]').fill(initial);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await browser.screenshot('change-password');
  await page.locator('input[name=currentPassword]').fill(initial);
  await page.locator('input[name=newPassword]').fill(NEW_PASSWORD);
  await page.locator('input[name=repeatPassword]').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();

  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  assert.match(await page.getByTestId('who-am-i').innerText(), /\(Admin\)/);
  await page.getByTestId('live-status').getByText('Live').waitFor();
  await browser.screenshot('overview');
});

test('sites and zones are created from the tree', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Sites and zones' }).click();
  await page.getByRole('button', { name: 'New site' }).click();
  await page.getByLabel('Site name').fill('Plant North');
  await page.getByRole('button', { name: 'Create site' }).click();
  const site = page.locator('[data-site-name="Plant North"]');
  await site.waitFor();
  await site.getByRole('button', { name: 'Add zone' }).click();
  await page.getByLabel('Zone name').fill('Turbine hall');
  await page.getByRole('button', { name: 'Create zone' }).click();
  await site.locator('[data-zone-name="Turbine hall"]').waitFor();

  // A duplicate name is refused by the server, and the reason shows beside the field.
  await page.getByRole('button', { name: 'New site' }).click();
  await page.getByLabel('Site name').fill('plant north');
  await page.getByRole('button', { name: 'Create site' }).click();
  await page.locator('.mantine-TextInput-error').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
});

test('a sensor enrolled with the copied string appears live, is assigned, and its state changes live', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Sensor setup' }).click();
  const standing = page.getByTestId('standing-connection-string');
  await standing.waitFor();
  const connectionString = (await standing.innerText()).trim();
  assert.ok(connectionString.length > 40, 'the page shows the standing connection string');
  await page.getByRole('button', { name: 'Copy' }).first().click();
  await browser.screenshot('sensor-setup');

  await page.getByRole('link', { name: 'Sites and zones' }).click();
  await page.getByTestId('unassigned-sensors').waitFor();

  const coreRoot = path.join(sensorDir, 'core');
  await mkdir(coreRoot, { recursive: true });
  await writeFile(path.join(coreRoot, 'core.json'), JSON.stringify({ name: SENSOR_NAME, version: '24.1.3' }));
  const connect = await exitOf(runCli(['connect', connectionString, '--name', SENSOR_NAME, '--state-dir', sensorDir, '--core-root', coreRoot]));
  assert.equal(connect.code, 0, `sensor-link connect failed: ${connect.output}`);

  const link = runCli(['run', '--state-dir', sensorDir, '--core-root', coreRoot, '--no-page']);

  // No reload: live pushes (enrolled, then connected) make the Unassigned list re-read.
  const unassignedRow = page.getByTestId('unassigned-sensors').locator(`[data-sensor-name="${SENSOR_NAME}"]`);
  await unassignedRow.locator('[data-state="connected"]').waitFor({ timeout: 20_000 });
  await browser.screenshot('sites');

  await unassignedRow.getByRole('checkbox').check();
  await chooseOption(page, 'Assign to zone', 'Plant North / Turbine hall');
  await page.getByRole('button', { name: /^Assign 1 sensor$/ }).click();
  await unassignedRow.waitFor({ state: 'detached' });
  await page.locator('[data-zone-name="Turbine hall"]').getByText('(1 sensor)').waitFor();

  await page.getByRole('link', { name: 'Sensors', exact: true }).click();
  const row = page.locator(`[data-sensor-name="${SENSOR_NAME}"]`);
  await row.locator('[data-state="connected"]').waitFor({ timeout: 20_000 });
  assert.match(await row.innerText(), /Plant North \/ Turbine hall/);
  await browser.screenshot('sensors');

  link.kill('SIGKILL');
  await row.locator('[data-state="unreachable"], [data-state="disconnected"]').waitFor({ timeout: 30_000 });

  await row.getByRole('link', { name: SENSOR_NAME }).click();
  await page.getByRole('heading', { name: SENSOR_NAME }).waitFor();
  await page.getByText('Certificate').first().waitFor();
  await browser.screenshot('sensor-detail');
});

test('NTP servers are edited at the global scope, with the server\'s field errors beside the field', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'NTP and time' }).click();
  await page.getByRole('heading', { name: 'NTP and time' }).waitFor();
  await page.getByRole('button', { name: 'Add NTP server' }).click();
  const address = page.getByRole('textbox', { name: 'NTP server 1 address' });
  await address.fill('not a host name!');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.mantine-TextInput-error').waitFor();
  await address.fill('10.20.30.40');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(/Saved as revision \d+/).waitFor();

  await chooseOption(page, 'For sensor', SENSOR_NAME);
  await page.getByRole('cell', { name: '10.20.30.40:123' }).waitFor();
  await browser.screenshot('ntp-and-time');
});

test('a sensor is renamed (the server\'s reason shows beside the field) and revoked after confirmation', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Sensors', exact: true }).click();
  await page.getByRole('link', { name: SENSOR_NAME }).click();
  await page.getByRole('button', { name: 'Rename' }).click();
  const name = page.getByRole('textbox', { name: 'Name' });
  await name.fill('bad name!');
  await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('dialog').locator('.mantine-TextInput-error').waitFor();
  await name.fill('e2e-sensor-renamed');
  await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('heading', { name: 'e2e-sensor-renamed' }).waitFor();

  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke sensor' }).click();
  await page.locator('[data-state="revoked"]').first().waitFor();
});

test('signing out returns to the sign-in form', async () => {
  const { page } = browser;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('input[name=username]').waitFor();
  await page.goto(`${testConsole.baseUrl}/sensors`);
  await page.locator('input[name=username]').waitFor();
});

test('nothing left the console host, and the CSP refused nothing', () => {
  const consoleHost = new URL(testConsole.baseUrl).host;
  assert.ok(browser.requests.length > 5, 'requests were recorded');
  assert.deepEqual(foreignHosts(browser.requests, consoleHost), []);
  const refused = browser.errors.filter((text) => /Content Security Policy/i.test(text));
  assert.deepEqual(refused, []);
});
