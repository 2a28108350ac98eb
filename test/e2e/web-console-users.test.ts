/**
 * Users, API tokens and the audit log in the browser, against a real console:
 * a user is created (a too-short password is refused beside the field first)
 * and signs in with it; an API token is shown once and revoked; the audit log
 * lists those actions, its hash chain verifies, and the export downloads NDJSON.
 * No request may leave the console's host.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { foreignHosts, openBrowser, signInInBrowser, type TestBrowser } from '../helpers/browser.js';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { postSignIn, signInAsAdmin, TEST_ADMIN_PASSWORD } from '../helpers/test-session.js';

const ANALYST = 'analyst.one';
const ANALYST_PASSWORD = 'first-password-for-analyst-81c2';

let testConsole: TestConsole;
let browser: TestBrowser;

before(async () => {
  testConsole = await startTestConsole();
  await signInAsAdmin(testConsole);
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
  await testConsole?.destroy();
});

test('an admin creates a user with a role; the server refuses a weak password beside the field', async () => {
  const { page } = browser;
  await signInInBrowser(page, testConsole.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
  await page.getByRole('link', { name: 'Users and API tokens' }).click();
  await page.locator('[data-username="admin"]').waitFor();

  await page.getByRole('button', { name: 'New user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('User name').fill(ANALYST);
  await dialog.getByLabel('Display name').fill('Analyst One');
  await dialog.getByRole('textbox', { name: 'Role', exact: true }).click();
  await page.getByRole('option', { name: 'Security Analyst', exact: true }).click();
  await dialog.getByLabel('First password').fill('short');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await dialog.locator('.mantine-PasswordInput-error').waitFor();
  await browser.screenshot('users-create-error');

  await dialog.getByLabel('First password').fill(ANALYST_PASSWORD);
  await dialog.getByRole('button', { name: 'Create user' }).click();
  const row = page.locator(`[data-username="${ANALYST}"]`);
  await row.getByText('Must change password').waitFor();
  assert.equal(await row.getByRole('textbox', { name: `Role of ${ANALYST}` }).inputValue(), 'Security Analyst');

  // The account works: the API accepts the first password (and asks for a new one).
  const signIn = await postSignIn(testConsole, ANALYST, ANALYST_PASSWORD);
  assert.equal(signIn.status, 200, signIn.text);
  assert.equal((signIn.body as { mustChangePassword: boolean }).mustChangePassword, true);
});

test('an API token is shown once, listed, and revoked', async () => {
  const { page } = browser;
  await page.getByLabel('Token name').fill('inventory script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('new-api-token');
  await shown.waitFor();
  assert.match(await shown.innerText(), /gat_/);
  const tokenRow = page.locator('[data-token-name="inventory script"]');
  await tokenRow.getByText('active').waitFor();
  await browser.screenshot('users');
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await tokenRow.getByText('revoked').waitFor();
});

test('the audit log lists the changes, verifies its chain and exports NDJSON', async () => {
  const { page } = browser;
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit-table').waitFor();
  await page.getByLabel('Action').fill('user.*');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('[data-action="user.created"]').first().waitFor();

  // A malformed filter is refused by the server beside its field.
  await page.getByLabel('Action').fill('not an action!');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('.mantine-TextInput-error').waitFor();
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.locator('[data-action="user.created"]').first().waitFor();

  await page.getByRole('button', { name: 'Verify chain' }).click();
  const result = page.getByTestId('chain-result');
  await result.waitFor();
  assert.match(await result.innerText(), /^Chain intact: \d+ records checked\.$/);
  await browser.screenshot('audit-log');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export (NDJSON)' }).click()]);
  const file = await download.path();
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  assert.ok(lines.length > 3, 'the export holds the records');
  const actions = lines.map((line) => (JSON.parse(line) as { action: string }).action);
  assert.ok(actions.includes('user.created'), actions.join(', '));
});

test('nothing left the console host, and the CSP refused nothing', () => {
  const consoleHost = new URL(testConsole.baseUrl).host;
  assert.deepEqual(foreignHosts(browser.requests, consoleHost), []);
  assert.deepEqual(browser.errors.filter((text) => /Content Security Policy/i.test(text)), []);
});
