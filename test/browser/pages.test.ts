import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import { ENROLL_PATH, PROTOCOL_VERSION } from '@lagebild/shared';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.js';
import { assertChromium, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/process.js';
import { signInThroughPage } from '../helpers/sign-in.js';

const XSS_HOSTNAME = '<img src=x onerror=alert(1)>';
const DEVICES = 60;
const screenshots = join(repoRoot, 'docs', 'screenshots');

describe('the Geräte and Fachverfahren pages in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let xssId: string;
  const dialogs: string[] = [];

  /** Opens a page of the dashboard by its path, e.g. `/geraete?q=NB`: the one place that opens pages. */
  async function openPage(path: string): Promise<Page> {
    await page.goto(new URL(path, demo.url).toString());
    return page;
  }

  /** Path and query of the page now (pages keep their state in the URL with the History API). */
  function path(): string {
    const u = new URL(page.url());
    return `${u.pathname}${u.search}`;
  }

  /** Re-opens `path` until `ready` holds: statistics come from rollups, which a fresh demo fills within seconds. */
  async function openWhen(path: string, ready: (p: Page) => Promise<boolean>, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await openPage(path);
      await page.waitForLoadState('networkidle').catch(() => {});
      if (await ready(page).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${path} was not ready within ${timeoutMs} ms`);
      await page.waitForTimeout(1_000);
    }
  }

  beforeAll(async () => {
    assertChromium();
    dataDir = mkdtempSync(join(tmpdir(), 'lagebild-pages-'));
    demo = await startDemo({ port: 0, devices: DEVICES, dataDir, speed: 3, agent: false });
    // a notebook whose hostname is markup enrolls through the agent protocol like any other
    const res = await fetch(new URL(ENROLL_PATH, demo.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        secret: demo.enrollSecret,
        hardwareId: 'pages-test-xss',
        hostname: XSS_HOSTNAME,
        protocol: PROTOCOL_VERSION,
      }),
    });
    expect(res.status).toBe(200);
    xssId = ((await res.json()) as { deviceId: string }).deviceId;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    mkdirSync(screenshots, { recursive: true });
    // the dashboard is behind the sign-in; the session cookie stays with the page for every test
    await signInThroughPage(page, demo.url, demo.credentials.users.admin, demo.credentials.password);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds a device by hostname as you type and opens it with Enter', async () => {
    const device = demo.fleet.devices[6]!;
    await openPage('/geraete');
    const search = page.getByTestId('device-search');
    // the search box has the focus: a ServiceDesk agent can type at once
    await expect.poll(() => search.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.type(device.hostname, { delay: 20 });
    await expect.poll(() => page.getByTestId('search-count').getAttribute('data-value')).toBe('1');
    await expect(page.getByTestId('search-row').locator('th').textContent()).resolves.toBe(device.hostname);
    expect(page.url()).toContain(`/geraete?q=${device.hostname}`);
    await page.keyboard.press('Enter');
    await expect.poll(() => path()).toBe(`/geraete/${device.id}`);
    await expect.poll(() => page.getByTestId('device-hostname').textContent()).toBe(device.hostname);
  });

  it('finds a device by serial number and opens it from its row', async () => {
    const device = demo.fleet.devices[11]!;
    await openPage('/geraete');
    await page.getByTestId('device-search').fill(device.serial.toLowerCase());
    await expect.poll(() => page.getByTestId('search-count').getAttribute('data-value')).toBe('1');
    await page.getByTestId('search-row').getByRole('link', { name: device.hostname }).click();
    await expect.poll(() => path()).toBe(`/geraete/${device.id}`);
    await expect.poll(() => page.getByTestId('device-hostname').textContent()).toBe(device.hostname);
  });

  it('never lets a slow answer to an older search replace the results of the newer one', async () => {
    const [older, newer] = [demo.fleet.devices[0]!, demo.fleet.devices[1]!];
    // the server answers the first search late
    await page.route(
      (url) => url.pathname === '/api/v1/devices' && url.searchParams.get('q') === older.hostname,
      async (route) => {
        await new Promise((r) => setTimeout(r, 1_500));
        await route.continue().catch(() => {});
      },
    );
    try {
      await openPage('/geraete');
      const asked = page.waitForRequest((r) => new URL(r.url()).searchParams.get('q') === older.hostname);
      await page.getByTestId('device-search').fill(older.hostname);
      await asked;
      await page.getByTestId('device-search').fill(newer.hostname);
      const rows = page.getByTestId('search-row').locator('th');
      await expect.poll(() => rows.allTextContents()).toEqual([newer.hostname]);
      await page.waitForTimeout(2_000);
      expect(await rows.allTextContents()).toEqual([newer.hostname]);
      expect(await page.getByTestId('search-count').getAttribute('data-value')).toBe('1');
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  });

  it('pages through many results and says when nothing matches', async () => {
    await openPage('/geraete?q=NB-STADT');
    await expect
      .poll(() => page.getByTestId('search-count').getAttribute('data-value'))
      .toBe(String(DEVICES));
    expect(await page.getByTestId('search-row').count()).toBe(50);
    await expect(page.getByTestId('search-page').textContent()).resolves.toBe('Seite 1 von 2');
    await page.screenshot({ path: join(screenshots, 'geraete.png') });
    await page.getByRole('button', { name: 'Weiter' }).click();
    await expect.poll(() => page.getByTestId('search-row').count()).toBe(DEVICES - 50);
    expect(page.url()).toContain('seite=2');

    await page.getByTestId('device-search').fill('gibt-es-nicht-4711');
    await expect
      .poll(() => page.getByTestId('search-empty').textContent())
      .toBe('Kein Gerät passt zu „gibt-es-nicht-4711“.');
    expect(await page.getByTestId('search-row').count()).toBe(0);
  });

  it('shows a device named like markup as text, in the search and on its page', async () => {
    await openPage(`/geraete?q=${encodeURIComponent('<img')}`);
    await expect.poll(() => page.getByTestId('search-count').getAttribute('data-value')).toBe('1');
    const header = page.getByTestId('search-row').locator('th');
    await expect(header.textContent()).resolves.toBe(XSS_HOSTNAME);
    expect(await page.locator('main img').count()).toBe(0);

    await openPage(`/geraete/${xssId}`);
    await expect.poll(() => page.getByTestId('device-hostname').textContent()).toBe(XSS_HOSTNAME);
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('lists every Fachverfahren with percentiles, error rate and runs in German formatting', async () => {
    // five applications, with enough runs that the screenshot shows real percentiles
    await openWhen(
      '/fachverfahren?zeitraum=1h',
      async (p) =>
        (await p.getByTestId('apps-table-row').count()) >= 5 &&
        Number(
          (await p.getByTestId('apps-table-row').first().locator('td').nth(4).textContent())?.replace(
            '.',
            '',
          ),
        ) >= 20,
      60_000,
    );
    const rows = page.getByTestId('apps-table-row');
    const first = await rows.first().locator('td').allTextContents();
    // p50, p95, p99 in ms, error rate with one decimal and a German comma, a count
    expect(first[0]).toMatch(/^\d[\d.]*(,\d)? ms$/);
    expect(first[1]).toMatch(/ ms$/);
    expect(first[3]).toMatch(/^\d+,\d\u00a0%$/);
    expect(first[4]).toMatch(/^\d[\d.]*$/);
    expect(await page.getByRole('radio', { name: '1 Stunde' }).isChecked()).toBe(true);
    await page.screenshot({ path: join(screenshots, 'fachverfahren.png'), fullPage: true });

    // another range is fetched and kept in the URL
    await page.getByRole('radio', { name: '24 Stunden' }).check();
    await expect.poll(() => path()).toBe('/fachverfahren');
    await expect.poll(() => page.getByTestId('apps-table-row').count()).toBeGreaterThanOrEqual(5);
  });

  it('opens one Fachverfahren with its chart, error classes, phases and groups, and filters to a gateway', async () => {
    await openWhen(
      '/fachverfahren?zeitraum=1h',
      async (p) => (await p.getByTestId('apps-table-row').count()) >= 5,
      60_000,
    );
    await page.getByTestId('apps-table-row').getByRole('link', { name: 'Bauportal' }).click();
    await expect.poll(() => path()).toBe('/fachverfahren/Bauportal?zeitraum=1h');
    await expect.poll(() => page.getByTestId('app-title').textContent()).toBe('Bauportal');
    await page.waitForSelector('[data-testid="percentile-chart"] .uplot canvas', { timeout: 15_000 });
    await expect
      .poll(async () => Number(await page.getByTestId('percentile-chart').getAttribute('data-points')))
      .toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('app-count').textContent()).toMatch(/^\d/);
    // HTTP probes: name resolution, connect and first byte at least
    await expect.poll(() => page.getByTestId('phases').locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    const gateways = page.getByTestId('groups-table-row');
    await expect.poll(() => gateways.count()).toBeGreaterThanOrEqual(2);
    // each gateway's phases: DNS, connect, (no TLS: plain HTTP), first byte, and its most frequent error
    const cells = await gateways.first().locator('td').allTextContents();
    expect(cells).toHaveLength(11);
    expect(cells[6]).toMatch(/ ms$/);
    expect(cells[9]).toMatch(/ ms$/);
    await page.screenshot({ path: join(screenshots, 'fachverfahren-detail.png'), fullPage: true });

    const gateway = (await gateways.first().getByRole('link').textContent())!;
    await gateways.first().getByRole('link').click();
    await expect.poll(() => page.getByTestId('app-filter').textContent()).toContain(`„${gateway}“`);
    expect(new URL(page.url()).searchParams.get('gruppe')).toBe(gateway);

    await page.getByRole('radio', { name: 'Standort' }).check();
    await expect.poll(() => page.getByTestId('app-filter').textContent()).toBe('Ganze Flotte');
    await expect.poll(() => new URL(page.url()).searchParams.get('gruppierung')).toBe('site');
  });

  it('shows the health grid on the overview, with numbers in each cell and links to the filtered application', async () => {
    await openWhen('/', async (p) => (await p.getByTestId('grid-cell').count()) > 0, 60_000);
    const grid = page.getByTestId('health-grid');
    expect(await grid.getAttribute('data-kind')).toBe('gateway');
    const cell = page.locator('[data-testid="grid-cell"][data-group]').first();
    expect(['good', 'warn', 'bad']).toContain(await cell.getAttribute('data-health'));
    // colour is never the only signal: p95 and error rate are written in the cell
    await expect(cell.textContent()).resolves.toMatch(/p95 .* ms.*Fehler/);
    const href = await cell.getByRole('link').getAttribute('href');
    expect(href).toMatch(/^\/fachverfahren\/[^?]+\?gruppe=/);
    await expect(page.getByTestId('grid-legend').locator('li').count()).resolves.toBe(4);
    await page.getByTestId('health-grid-panel').screenshot({ path: join(screenshots, 'health-grid.png') });

    await page.getByTestId('grid-kind').getByRole('radio', { name: 'Standort' }).check();
    await expect.poll(() => grid.getAttribute('data-kind')).toBe('site');

    await page.getByTestId('grid-kind').getByRole('radio', { name: 'VPN-Gateway' }).check();
    await expect.poll(() => grid.getAttribute('data-kind')).toBe('gateway');
    const link = page.locator('[data-testid="grid-cell"][data-group] a').first();
    const target = (await link.getAttribute('href'))!;
    await link.click();
    await expect.poll(() => path()).toBe(target);
    await expect.poll(() => page.getByTestId('app-filter').textContent()).toMatch(/^Nur VPN-Gateway/);
  });

  it('passes the WCAG 2.1 A/AA checks of axe-core on the overview, search, Fachverfahren, application and device pages', async () => {
    const pages: [string, (p: Page) => Promise<boolean>][] = [
      ['/', async (p) => (await p.getByTestId('device-row').count()) > 0],
      ['/geraete?q=NB', async (p) => (await p.getByTestId('search-row').count()) > 0],
      ['/fachverfahren?zeitraum=1h', async (p) => (await p.getByTestId('apps-table-row').count()) >= 5],
      ['/fachverfahren/Bauportal?zeitraum=1h', async (p) => (await p.locator('.uplot canvas').count()) > 0],
      [`/geraete/${xssId}`, async (p) => (await p.getByRole('heading', { level: 1 }).count()) > 0],
    ];
    // the check itself finds a field without a label
    await openPage('/fachverfahren');
    await page.locator('main h1').first().waitFor();
    await page.evaluate("document.querySelector('main').append(document.createElement('input'))");
    expect((await axeViolations(page)).map((v) => v.id)).toContain('label');
    const found: string[] = [];
    for (const [at, ready] of pages) {
      await openWhen(at, ready, 60_000);
      const violations = await axeViolations(page);
      if (violations.length > 0) found.push(`${at}:\n${describeViolations(violations)}`);
    }
    expect(found, found.join('\n\n')).toEqual([]);
  });

  it('marks the current page in the navigation', async () => {
    await openPage('/fachverfahren');
    const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
    await expect(nav.getByRole('link', { name: 'Fachverfahren' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );
    await nav.getByRole('link', { name: 'Geräte' }).click();
    await expect.poll(() => path()).toBe('/geraete');
    await expect(nav.getByRole('link', { name: 'Geräte' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );
    await expect(
      nav.getByRole('link', { name: 'Fachverfahren' }).getAttribute('aria-current'),
    ).resolves.toBeNull();

    // English is a switch away, and the choice is kept for the next page
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Find a device');
    await openPage('/fachverfahren');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Business applications');
    await page.getByTestId('lang-de').click();
  });
});
