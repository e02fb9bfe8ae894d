import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo } from '@lagebild/demo';
import { ENROLL_PATH, PROTOCOL_VERSION } from '@lagebild/shared';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations } from '../helpers/axe.js';
import { assertChromium, launchChromium } from '../helpers/browser.js';
import { repoRoot } from '../helpers/process.js';
import { signInThroughPage } from '../helpers/sign-in.js';

const screenshots = join(repoRoot, 'docs', 'screenshots');

describe('the Einstellungen page in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dataDir: string;
  const dialogs: string[] = [];

  const url = (path: string) => new URL(path, demo.url).toString();

  async function expectAccessible(p: Page = page): Promise<void> {
    const violations = await axeViolations(p);
    expect(violations, describeViolations(violations)).toEqual([]);
  }

  /** Enrolls a made-up notebook with `secret` through the agent protocol; the HTTP status. */
  async function enrollWith(secret: string, hardwareId: string): Promise<number> {
    const res = await fetch(url(ENROLL_PATH), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret, hardwareId, hostname: `nb-${hardwareId}`, protocol: PROTOCOL_VERSION }),
    });
    return res.status;
  }

  beforeAll(async () => {
    assertChromium();
    dataDir = mkdtempSync(join(tmpdir(), 'lagebild-settings-'));
    demo = await startDemo({ port: 0, devices: 5, dataDir, speed: 3, agent: false });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    mkdirSync(screenshots, { recursive: true });
    await signInThroughPage(page, demo.url, demo.credentials.users.admin, demo.credentials.password);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('is linked for admins and shows every section, accessible once loaded', async () => {
    await page
      .getByRole('navigation', { name: 'Hauptnavigation' })
      .getByRole('link', { name: 'Einstellungen' })
      .click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/einstellungen');
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Einstellungen');
    for (const title of [
      'Prüfziele der Fachverfahren',
      'Registrierungsschlüssel',
      'Benutzer und Rollen',
      'Aufbewahrung',
    ])
      await page.getByRole('heading', { level: 2, name: title }).waitFor();
    // the demo's Fachverfahren stand-ins are configured: one row each
    await expect.poll(() => page.getByTestId('probe-row').count()).toBeGreaterThan(0);
    await page.getByTestId('secret-row').first().waitFor();
    await page.getByTestId('user-row').first().waitFor();
    // retention as the server options set it (the demo keeps the defaults)
    const retention = page.getByTestId('retention');
    await expect(retention.textContent()).resolves.toContain('Rohdaten (Einzelmessungen)2 Tage');
    await expect(retention.textContent()).resolves.toContain('Stundenwerte400 Tage');
    await expect(retention.textContent()).resolves.toContain('Sitzung ohne Aktivität8 Stunden');
    await expectAccessible();
  });

  it('adds a probe target: the server’s field error first, then a test run from the server, then saved', async () => {
    const before = await page.getByTestId('probe-row').count();
    await page.getByTestId('probe-add').click();
    const form = page.getByTestId('probe-form');
    await form.getByLabel('Fachverfahren').fill('Bürgerportal');
    await form.getByLabel('Kennung').fill('buergerportal');
    await form.getByLabel('Ziel').fill(url('/healthz'));
    await form.getByLabel('Intervall (Sekunden)').fill('2');
    await form.getByLabel('Zeitlimit (Millisekunden)').fill('3000');
    await page.getByTestId('probe-save').click();

    // the server refused it: its rule is shown in German next to the field, which gets the focus
    const error = page.getByTestId('probe-interval-error');
    await expect.poll(() => error.textContent()).toBe('Ganze Zahl von 5 bis 86.400 Sekunden.');
    await expect(page.getByTestId('probe-form-error').textContent()).resolves.toContain('markierten Felder');
    await expect(page.getByTestId('probe-interval').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement
              .id,
        ),
      )
      .toBe('probe-interval');
    expect(await page.getByTestId('probe-row').count()).toBe(before);
    await expectAccessible();

    // keyboard only from here: fix the field, run the test from the server
    await page.getByTestId('probe-interval').fill('60');
    await page.getByTestId('probe-test').focus();
    await page.keyboard.press('Enter');
    const outcome = page.getByTestId('probe-preview-outcome');
    await expect.poll(() => outcome.textContent(), { timeout: 10_000 }).toBe('Erreichbar');
    const preview = await page.getByTestId('probe-preview').textContent();
    expect(preview).toContain('vom Server aus geprüft');
    expect(preview).toContain('HTTP-Status 200');
    expect(preview).toMatch(/Verbunden nach[\d,]+ ms/);
    expect(preview).toMatch(/Erstes Byte nach[\d,]+ ms/);
    await expect(page.getByTestId('probe-interval-error').count()).resolves.toBe(0);
    await expectAccessible();

    await page.getByTestId('probe-save').click();
    await expect
      .poll(() => page.getByTestId('probes-ok').textContent())
      .toMatch(/^Prüfziel „Bürgerportal“ angelegt und an die Agenten verteilt \(Version \d+\)\.$/);
    await expect.poll(() => page.getByTestId('probe-row').count()).toBe(before + 1);
    const row = page.getByTestId('probe-row').filter({ hasText: 'buergerportal' });
    await expect(row.locator('th').textContent()).resolves.toBe('Bürgerportal');
    await expect(row.textContent()).resolves.toContain('60 s');
    // stored on the server, as every agent will get it
    const config = await page.request.get(url('/api/v1/config/probes'));
    const stored = ((await config.json()) as { probes: { id: string; intervalSec: number }[] }).probes;
    expect(stored.find((p) => p.id === 'buergerportal')).toMatchObject({ intervalSec: 60 });
    await page.screenshot({ path: join(screenshots, 'einstellungen.png'), fullPage: true });
  });

  it('creates an enrollment secret shown once with a copy button, which enrolls until it is revoked', async () => {
    await page.getByLabel('Bezeichnung').fill('Rollout Bürgeramt');
    await page.getByTestId('secret-create').click();
    await expect
      .poll(() => page.getByTestId('secrets-ok').textContent())
      .toBe('Registrierungsschlüssel erzeugt.');
    const secret = await page.getByTestId('secret-value').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await expect(page.getByTestId('secret-copy').textContent()).resolves.toBe('Kopieren');
    await expectAccessible();
    expect(await enrollWith(secret, 'settings-1')).toBe(200);

    const row = page.locator('[data-testid="secret-row"][data-label="Rollout Bürgeramt"]');
    await expect(row.getByTestId('secret-state').textContent()).resolves.toBe('Aktiv');
    await row.getByRole('button', { name: 'Widerrufen' }).click();
    // destructive: asks first, and the answer button has the focus
    const yes = row.getByRole('button', { name: 'Ja, widerrufen' });
    await expect.poll(() => yes.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await expect(row.textContent()).resolves.toContain('Schlüssel „Rollout Bürgeramt“ wirklich widerrufen?');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByTestId('secrets-ok').textContent())
      .toBe('Schlüssel „Rollout Bürgeramt“ widerrufen.');
    await expect.poll(() => row.getByTestId('secret-state').textContent()).toMatch(/^Widerrufen am /);
    expect(await enrollWith(secret, 'settings-2')).toBe(401);
    await expectAccessible();
  });

  it('adds a user after refusing a short password; the new ServiceDesk user cannot open Einstellungen', async () => {
    await page.getByTestId('user-name').fill('sd.neumann');
    await page.getByTestId('user-role-new').selectOption('servicedesk');
    await page.getByTestId('user-password').fill('zu-kurz');
    await page.getByTestId('user-create').click();
    await expect
      .poll(() => page.getByTestId('user-password-error').textContent())
      .toBe('Das Passwort muss mindestens 12 Zeichen haben.');
    await expectAccessible();
    const password = 'Neumann-ServiceDesk-1';
    await page.getByTestId('user-password').fill(password);
    await page.getByTestId('user-create').click();
    await expect
      .poll(() => page.getByTestId('users-ok').textContent())
      .toBe('Benutzer sd.neumann mit der Rolle ServiceDesk angelegt.');
    const row = page.locator('[data-testid="user-row"][data-name="sd.neumann"]');
    await expect(row.getByTestId('user-role-select').inputValue()).resolves.toBe('servicedesk');
    // the own account can be neither removed nor demoted
    const me = page.locator(`[data-testid="user-row"][data-name="${demo.credentials.users.admin}"]`);
    await expect(me.getByRole('button', { name: 'Entfernen' }).count()).resolves.toBe(0);
    await expect(me.getByTestId('user-role').textContent()).resolves.toBe('Administration');

    // the new user signs in elsewhere: no settings link, and the page says why instead of showing it
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'de-DE' });
    try {
      const sd = await other.newPage();
      await signInThroughPage(sd, demo.url, 'sd.neumann', password);
      const nav = sd.getByRole('navigation', { name: 'Hauptnavigation' });
      await nav.getByRole('link', { name: 'Geräte' }).waitFor();
      await expect(nav.getByRole('link', { name: 'Einstellungen' }).count()).resolves.toBe(0);
      await sd.goto(url('/einstellungen'));
      await expect
        .poll(() => sd.getByTestId('settings-no-access').textContent())
        .toContain('der Administration vorbehalten');
      await expect(sd.getByTestId('probe-table').count()).resolves.toBe(0);
      expect((await sd.request.get(url('/api/v1/users'))).status()).toBe(403);
      await expectAccessible(sd);
    } finally {
      await other.close();
    }
  });

  it('changes a role and removes a user after asking, and reads in English on request', async () => {
    const row = page.locator('[data-testid="user-row"][data-name="sd.neumann"]');
    await row.getByTestId('user-role-select').selectOption('viewer');
    await row.getByTestId('user-role-apply').click();
    await expect
      .poll(() => page.getByTestId('users-ok').textContent())
      .toBe('Rolle von sd.neumann ist jetzt Lesezugriff.');
    await row.getByTestId('user-remove-sd.neumann').click();
    await row.getByTestId('user-remove-sd.neumann-confirm').click();
    await expect.poll(() => page.getByTestId('users-ok').textContent()).toBe('Benutzer sd.neumann entfernt.');
    await expect.poll(() => row.count()).toBe(0);

    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Settings');
    await page.getByRole('heading', { level: 2, name: 'Users and roles' }).waitFor();
    await expectAccessible();
    await page.getByTestId('lang-de').click();
    expect(dialogs).toEqual([]);
  });
});
