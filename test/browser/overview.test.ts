import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/process.js';

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
    await page.goto(demo.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
});
