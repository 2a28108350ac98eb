/**
 * A real browser for end-to-end tests: Debian's Chromium driven by
 * playwright-core (no browser download). Every request the page makes is
 * recorded, so a test can assert that nothing leaves the console's host, and
 * every console error (CSP refusals included) is kept.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.GARRISON_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const SCREENSHOT_DIR = path.resolve('test-output', 'screenshots');

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for: documents, scripts, styles, fetches, WebSockets. */
  requests: string[];
  /** Console errors and page errors, in order (a CSP refusal shows up here). */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(options: { width?: number; height?: number } = {}): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return {
    browser,
    context,
    page,
    requests,
    errors,
    async screenshot(name) {
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
    },
  };
}

/** Hosts other than the console's own among the recorded requests (should be none: the SOC is air-gapped). */
export function foreignHosts(requests: string[], consoleHost: string): string[] {
  return [...new Set(requests.map((url) => new URL(url).host).filter((host) => host !== consoleHost))];
}

/** Picks an option of a Mantine Select by its label (the input opens a listbox of options). */
export async function chooseOption(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('textbox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Opens the console's sign-in page and signs in with the given credentials (it does not wait for what comes next). */
export async function signInInBrowser(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
