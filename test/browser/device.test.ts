import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.js';
import { assertChromium, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/process.js';
import { signInThroughPage } from '../helpers/sign-in.js';

const DEVICES = 20;
const screenshots = join(repoRoot, 'docs', 'screenshots');

/**
 * The device page in Chromium against the demo (server, dashboard, simulated fleet whose notebooks
 * answer checks with their measurements): a ServiceDesk user opens a device, presses "Jetzt prüfen"
 * and sees the results arrive live; a viewer gets no button.
 */
describe('the Gerät page in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  const dialogs: string[] = [];

  async function openDevice(id: string): Promise<void> {
    await page.goto(new URL(`/geraete/${id}`, demo.url).toString());
    await page.getByTestId('device-hostname').waitFor({ timeout: 10_000 });
  }

  beforeAll(async () => {
    assertChromium();
    dataDir = mkdtempSync(join(tmpdir(), 'lagebild-device-'));
    demo = await startDemo({ port: 0, devices: DEVICES, dataDir, speed: 3, agent: false });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    mkdirSync(screenshots, { recursive: true });
    await signInThroughPage(page, demo.url, demo.credentials.users.servicedesk, demo.credentials.password);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the state cards, the timeline and the latency against the fleet in German', async () => {
    const device = demo.fleet.devices[3]!;
    await openDevice(device.id!);
    expect(await page.getByTestId('device-hostname').textContent()).toBe(device.hostname);
    await expect
      .poll(() => page.getByTestId('detail-status').locator('.badge').getAttribute('data-state'))
      .toBe('online');
    // relative time with the exact Berlin time on hover
    const since = page.getByTestId('detail-last-seen').locator('time');
    expect(await since.textContent()).toMatch(/^(gerade eben|vor \d+ Min\.)/);
    expect(await since.getAttribute('title')).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/);
    await expect.poll(() => page.getByTestId('detail-cpu').textContent()).toMatch(/^\d+\u00a0%$/);
    // the connection itself is an event: the timeline has today's group
    await expect
      .poll(() => page.getByTestId('timeline-day').first().textContent(), { timeout: 10_000 })
      .toBe('Heute');

    // statistics come from rollups, which the demo fills within seconds: switch the range until they show
    const chart = page.getByTestId('compare-chart').first();
    const deadline = Date.now() + 30_000;
    for (let i = 0; Date.now() < deadline; i++) {
      await page
        .getByTestId('device-range')
        .getByLabel(i % 2 === 0 ? '1 Stunde' : '24 Stunden')
        .check({ force: true });
      await page.waitForTimeout(1_000);
      if (Number(await chart.getAttribute('data-points', { timeout: 1_000 }).catch(() => '0')) > 0) break;
      // a device that had measured nothing yet when the page loaded: its Fachverfahren come with a reload
      if (i % 5 === 4) await openDevice(device.id!);
    }
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
    expect(await page.getByTestId('compare-app').count()).toBeGreaterThan(0);
    // the text alternative: the same numbers as a table
    await page.getByTestId('latency-table-toggle').click();
    const table = page.getByTestId('compare-table').first();
    await table.waitFor();
    expect(await table.locator('thead th').allTextContents()).toEqual([
      'Zeit',
      'Dieses Gerät (p50)',
      'Flotte (Median)',
    ]);
    expect(await table.locator('tbody td.num').first().textContent()).toMatch(/ms$|^–$/);
    const v = await axeViolations(page);
    expect(v, describeViolations(v)).toEqual([]);
    await page.getByTestId('latency-table-toggle').click();
  }, 90_000);

  it('runs "Jetzt prüfen" and shows the results as they arrive', async () => {
    const device = demo.fleet.devices[5]!;
    await openDevice(device.id!);
    const button = page.getByTestId('check-now-button');
    await expect.poll(() => button.isEnabled()).toBe(true);
    const status = page.getByTestId('check-status');
    const pressed = Date.now();
    await button.click();
    // the button waits for the running check
    await expect.poll(() => button.isDisabled(), { timeout: 2_000, interval: 20 }).toBe(true);
    await expect
      .poll(() => status.getAttribute('data-status'), { timeout: 5_000, interval: 20 })
      .toBe('done');
    const doneAfterMs = Date.now() - pressed;
    // the simulated notebook answers after its measurements took (at most 0.6 s)
    expect(doneAfterMs).toBeLessThan(3_000);
    const rows = page.getByTestId('check-probe-row');
    expect(await rows.count()).toBeGreaterThan(0);
    const first = rows.first();
    expect(await first.locator('td.num.strong').textContent()).toMatch(/^[\d.,]+ ms$/);
    expect(await page.getByTestId('check-vpn').count()).toBe(1);
    expect(await status.textContent()).toMatch(/Fertig.*Ergebnisse, Stand \d{2}:\d{2}:\d{2}/);
    await expect.poll(() => button.isEnabled()).toBe(true);

    const v = await axeViolations(page);
    expect(v, describeViolations(v)).toEqual([]);
    await page.screenshot({ path: join(screenshots, 'geraet.png'), fullPage: true });
    console.log(`[device page] "Jetzt prüfen" pressed → results shown: ${doneAfterMs} ms`);
  }, 60_000);

  it('queues the check for an offline device, says for how long, and shows the results once it is back', async () => {
    const index = 7;
    const device = demo.fleet.devices[index]!;
    demo.fleet.goOffline(index);
    await openDevice(device.id!);
    await expect
      .poll(() => page.getByTestId('detail-status').locator('.badge').getAttribute('data-state'), {
        timeout: 10_000,
      })
      .toBe('offline');
    await page.getByTestId('check-now-button').click();
    const status = page.getByTestId('check-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('queued');
    expect(await status.textContent()).toMatch(
      /Wartet auf das Gerät.*noch 1[45] Min\. \(bis \d{2}:\d{2} Uhr\)/,
    );
    expect(await page.getByTestId('check-now-button').isDisabled()).toBe(true);

    demo.fleet.goOnline(index);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 15_000 }).toBe('done');
    expect(await page.getByTestId('check-probe-row').count()).toBeGreaterThan(0);
  }, 60_000);

  it('offers a viewer no device detail and no "Jetzt prüfen"', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
    const viewer = await context.newPage();
    try {
      await signInThroughPage(viewer, demo.url, demo.credentials.users.viewer, demo.credentials.password);
      await viewer.goto(new URL(`/geraete/${demo.fleet.devices[3]!.id}`, demo.url).toString());
      await viewer.getByText('Ihre Rolle darf Gerätedetails nicht öffnen.').waitFor({ timeout: 10_000 });
      expect(await viewer.getByTestId('check-now-button').count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Jetzt prüfen' }).count()).toBe(0);
      const v = await axeViolations(viewer);
      expect(v, describeViolations(v)).toEqual([]);
    } finally {
      await context.close();
    }
    expect(dialogs).toEqual([]);
  }, 60_000);
});
