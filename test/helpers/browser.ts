import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, or the one LAGEBILD_CHROMIUM names. */
export const CHROMIUM = process.env.LAGEBILD_CHROMIUM ?? '/usr/bin/chromium';

/** Fails at once, with the package to install, when there is no Chromium. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does)`);
  }
}

/**
 * Headless Chromium as the browser tests run it: no sandbox (root in CI), and none of its background
 * connections, which this machine's closed network would refuse.
 */
export async function launchChromium(): Promise<Browser> {
  assertChromium();
  return chromium.launch({
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
}
