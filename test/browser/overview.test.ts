import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.js';
import { repoRoot } from '../helpers/process.js';
import { signInThroughPage } from '../helpers/sign-in.js';

const CHROMIUM = process.env.LAGEBILD_CHROMIUM ?? '/usr/bin/chromium';

async function count(page: Page, testId: string): Promise<number> {
  const value = await page.getByTestId(testId).getAttribute('data-value');
  return Number(value);
}

async function waitForCount(page: Page, testId: string, ok: (n: number) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = Number.NaN;
  while (Date.now() < deadline) {
    last = await count(page, testId).catch(() => Number.NaN);
    if (ok(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`${testId} stayed at ${last} for ${timeoutMs} ms`);
}

describe('the demo dashboard in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let dataDir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does)`);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'lagebild-demo-'));
    demo = await startDemo({ port: 0, devices: 200, dataDir, speed: 3 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for a sign-in in German, refuses a wrong password with an announced message, then shows the user', async () => {
    await page.goto(demo.url);
    await page.getByRole('heading', { name: 'Anmeldung' }).waitFor({ timeout: 10_000 });
    // nothing of the fleet before signing in
    expect(await page.getByTestId('count-devices').count()).toBe(0);
    await page.getByLabel('Benutzername').fill('admin');
    await page.getByLabel('Passwort').fill('not the demo password');
    await page.getByRole('button', { name: 'Anmelden' }).click();
    const alert = page.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), { timeout: 10_000 })
      .toBe('Benutzername oder Passwort ist falsch.');
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toMatch(/[{}]|LB_ERR|statusCode/);
    // the login page with its error message meets WCAG 2.1 AA as axe-core checks it
    const violations = await axeViolations(page);
    expect(violations, describeViolations(violations)).toEqual([]);
    mkdirSync(join(repoRoot, 'docs', 'screenshots'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', 'login.png'), fullPage: false });
    // the English switch works on the login page too
    await page.getByTestId('lang-en').click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByTestId('lang-de').click();

    await signInThroughPage(page, demo.url, demo.credentials.users.admin, demo.credentials.password);
    expect(await page.getByTestId('user').textContent()).toContain('admin');
    expect(await page.getByTestId('user').textContent()).toContain('Administration');
  });

  it('shows at least 200 devices of the fleet', async () => {
    const devices = await waitForCount(page, 'count-devices', (n) => n >= 200, 30_000);
    expect(devices).toBeGreaterThanOrEqual(200);
    await waitForCount(page, 'count-online', (n) => n >= 200, 30_000);
    expect(await page.getByTestId('device-row').count()).toBeGreaterThan(0);
  });

  it('updates the online count live when a notebook goes offline, without a reload', async () => {
    const before = await waitForCount(page, 'count-online', (n) => n >= 200, 30_000);
    await page.evaluate(() => {
      (globalThis as unknown as { __noReload: boolean }).__noReload = true;
    });
    await demo.fleet.goOffline(0);
    const after = await waitForCount(page, 'count-online', (n) => n === before - 1, 5_000);
    expect(after).toBe(before - 1);
    // the same page, not a reload
    expect(await page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload)).toBe(
      true,
    );
    await demo.fleet.goOnline(0);
    await waitForCount(page, 'count-online', (n) => n === before, 10_000);
  });

  it('draws the latency chart and saves a screenshot for the README', async () => {
    await page.waitForSelector('.uplot canvas', { timeout: 15_000 });
    // let live probe results reach the chart
    await page.waitForTimeout(2_000);
    const dir = join(repoRoot, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'overview.png'), fullPage: false });
    expect(existsSync(join(dir, 'overview.png'))).toBe(true);
  });

  it('gives a viewer the fleet but no links to device pages, and a datenschutz user no fleet', async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    try {
      const viewer = await context.newPage();
      await signInThroughPage(viewer, demo.url, demo.credentials.users.viewer, demo.credentials.password);
      await waitForCount(viewer, 'count-devices', (n) => n >= 200, 30_000);
      expect(await viewer.getByTestId('user').textContent()).toContain('Lesezugriff');
      const rows = viewer.getByTestId('device-row');
      await rows.first().waitFor();
      expect(await rows.first().locator('th').textContent()).toMatch(/\S/);
      expect(await viewer.locator('[data-testid="device-row"] a').count()).toBe(0);
      expect(await viewer.locator('a[href^="/geraete/"]').count()).toBe(0);

      await viewer.getByRole('button', { name: 'Abmelden' }).click();
      await signInThroughPage(
        viewer,
        demo.url,
        demo.credentials.users.datenschutz,
        demo.credentials.password,
      );
      expect(await viewer.getByTestId('count-devices').count()).toBe(0);
      expect(await viewer.locator('main').textContent()).toContain('keine Gerätedaten');
    } finally {
      await context.close();
    }
  });

  it('returns to the login page when the session ends, and after Abmelden', async () => {
    // the session ends behind the page's back (expiry, a removed user): the next API answer is a 401
    await page.context().clearCookies();
    await page.evaluate(() => fetch('/api/v1/fleet'));
    await page.getByRole('heading', { name: 'Anmeldung' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('status').first().textContent()).toContain('Sitzung ist beendet');

    await signInThroughPage(page, demo.url, demo.credentials.users.servicedesk, demo.credentials.password);
    expect(await page.getByTestId('user').textContent()).toContain('ServiceDesk');
    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('heading', { name: 'Anmeldung' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
    expect(me).toBe(401);
  });
});
