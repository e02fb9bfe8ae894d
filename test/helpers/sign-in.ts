import type { Page } from 'playwright-core';

/**
 * Signs in through the dashboard's login page (German labels, the default language) and waits for
 * the app's header to show the Abmelden button.
 */
export async function signInThroughPage(
  page: Page,
  url: string,
  name: string,
  password: string,
): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Benutzername').fill(name);
  await page.getByLabel('Passwort').fill(password);
  await page.getByRole('button', { name: 'Anmelden' }).click();
  await page.getByRole('button', { name: 'Abmelden' }).waitFor({ timeout: 10_000 });
}
