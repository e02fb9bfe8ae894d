import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.js';
import { assertChromium, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/process.js';
import { signInThroughPage } from '../helpers/sign-in.js';

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
    assertChromium();
    dataDir = mkdtempSync(join(tmpdir(), 'lagebild-demo-'));
    demo = await startDemo({ port: 0, devices: 200, dataDir, speed: 3 });
    browser = await launchChromium();
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

  it('shows a VPN drop on the overview and on the device page within 2 s', async () => {
    const sims = demo.fleet.devices.length;
    // every simulated tunnel held up, so that the one drop below is the only change
    for (let i = 0; i < sims; i++) demo.fleet.setVpn(i, 'up');
    const id = demo.fleet.devices[0]!.id!;
    // a second window with the same session
    const second = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
    await second.addCookies(await page.context().cookies());
    const detail = await second.newPage();
    try {
      await detail.goto(new URL(`/geraete/${encodeURIComponent(id)}`, demo.url).toString());
      await detail.locator('[data-testid="detail-vpn"] [data-state="up"]').waitFor({ timeout: 15_000 });
      // the count of dropped tunnels settles (the local agent has its own, unchanging state)
      let before = await count(page, 'count-vpn-down');
      for (let settled = 0; settled < 2; ) {
        await page.waitForTimeout(1_000);
        const now = await count(page, 'count-vpn-down');
        settled = now === before ? settled + 1 : 0;
        before = now;
      }
      const dropped = Date.now();
      demo.fleet.setVpn(0, 'down');
      await waitForCount(page, 'count-vpn-down', (n) => n === before + 1, 2_000);
      const onOverview = Date.now() - dropped;
      await detail.locator('[data-testid="detail-vpn"] [data-state="down"]').waitFor({ timeout: 2_000 });
      const onDevicePage = Date.now() - dropped;
      console.info(
        `VPN drop shown after ${onOverview} ms on the overview, ${onDevicePage} ms on the device page`,
      );
      expect(onOverview).toBeLessThanOrEqual(2_000);
      expect(onDevicePage).toBeLessThanOrEqual(2_000);
    } finally {
      await second.close();
      for (let i = 0; i < sims; i++) demo.fleet.setVpn(i, 'auto');
    }
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
