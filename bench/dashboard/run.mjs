#!/usr/bin/env node
// Dashboard speed in headless Chromium against a running Lagebild server with a real (simulated)
// fleet: how long until the overview shows the whole fleet and answers input, how long the main
// thread is blocked while live updates arrive, and how fast the device search answers (HTTP API and
// in the page). Prints progress, then one JSON line.
//
//   node bench/dashboard/run.mjs --url http://127.0.0.1:8080/ [--user admin --password …] [--loads 5]
//
// Start the fleet first, e.g. `npm run demo -- --devices 10000 --port 8080` (it prints the login).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

// playwright-core is a dependency of the test package (the browser tests use it too)
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fromTests = createRequire(join(ROOT, 'test', 'package.json'));
const playwright = await import(pathToFileURL(fromTests.resolve('playwright-core')).href);
const chromium = playwright.chromium ?? playwright.default.chromium;

const HELP = `Dashboard speed against a running server.

  node bench/dashboard/run.mjs --url URL [options]

  --url URL          the dashboard (e.g. http://127.0.0.1:8080/)
  --user NAME        sign in as this user (needed when the server asks for a login)
  --password PW      the user's password
  --loads N          page loads of the overview to time (default 5)
  --searches N       device searches to time, API and page each (default 20)
  --chromium PATH    default /usr/bin/chromium (or LAGEBILD_CHROMIUM)
  --help             this text`;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    loads: { type: 'string', default: '5' },
    searches: { type: 'string', default: '20' },
    chromium: { type: 'string', default: process.env.LAGEBILD_CHROMIUM ?? '/usr/bin/chromium' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values.url) {
  console.log(HELP);
  process.exit(values.help ? 0 : 2);
}
const base = new URL(values.url);
const loads = Number(values.loads);
const searches = Number(values.searches);
if (!(loads >= 1 && searches >= 1)) {
  console.error('--loads and --searches must be at least 1');
  process.exit(2);
}

const started = Date.now();
const log = (line) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)];
const round = (x) => Math.round(x * 10) / 10;

/** The session cookie of a signed-in user, or none when no user was given. */
async function signIn() {
  if (!values.user) return null;
  const r = await fetch(new URL('/api/v1/auth/login', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: values.user, password: values.password ?? '' }),
  });
  if (!r.ok) throw new Error(`sign-in as ${values.user} failed: HTTP ${r.status}`);
  const cookie = r.headers.get('set-cookie')?.split(';')[0];
  if (!cookie) throw new Error('sign-in answered without a session cookie');
  return cookie;
}

const cookie = await signIn();
const headers = cookie ? { cookie } : {};

async function api(path) {
  const r = await fetch(new URL(path, base), { headers });
  if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
  return r.json();
}

const fleet = await api('/api/v1/fleet');
log(`server has ${fleet.devices.toLocaleString('en')} devices, ${fleet.online.toLocaleString('en')} online`);
const sample = (await api('/api/v1/devices?limit=200&offset=0')).devices;
if (sample.length === 0) throw new Error('the server has no devices to search for');

const browser = await chromium.launch({
  executablePath: values.chromium,
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

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, locale: 'de-DE' });
  if (cookie) {
    const [name, ...rest] = cookie.split('=');
    await context.addCookies([{ name, value: rest.join('='), url: base.origin }]);
  }
  const page = await context.newPage();
  // long tasks (main thread blocked ≥ 50 ms) from the very start of the page
  await page.addInitScript(() => {
    globalThis.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  });
  return { context, page };
}

/**
 * One load of the overview: navigation start → every device counted on the page; then 3 s of live
 * updates in which a timer that should fire every 10 ms measures how late it comes (input would wait
 * as long).
 */
async function loadOverview() {
  const { context, page } = await newPage();
  try {
    await page.goto(base.href, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(
      (n) => {
        const el = document.querySelector('[data-testid="count-devices"]');
        return el && Number(el.getAttribute('data-value')) >= n ? performance.now() : false;
      },
      fleet.devices,
      { polling: 'raf', timeout: 60_000 },
    );
    const shownMs = await handle.jsonValue();
    const lag = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const lags = [];
          let last = performance.now();
          const end = last + 3000;
          const tick = () => {
            const now = performance.now();
            lags.push(now - last - 10);
            last = now;
            if (now < end) setTimeout(tick, 10);
            else resolve(lags);
          };
          setTimeout(tick, 10);
        }),
    );
    const longTasks = await page.evaluate(() => globalThis.__longTasks);
    const beforeShown = longTasks.filter(([s]) => s < shownMs);
    const lastLongEnd = beforeShown.reduce((m, [s, d]) => Math.max(m, s + d), 0);
    return {
      shownMs,
      // the page answers input once the fleet is shown and no long task is still running
      interactiveMs: Math.max(shownMs, lastLongEnd),
      longTasksBeforeShownMs: beforeShown.reduce((sum, [, d]) => sum + d, 0),
      liveMaxTimerLagMs: Math.max(...lag),
      liveP95TimerLagMs: p95(lag),
    };
  } finally {
    await context.close();
  }
}

const overview = [];
for (let i = 0; i < loads; i++) {
  const r = await loadOverview();
  overview.push(r);
  log(
    `overview load ${i + 1}/${loads}: fleet shown ${round(r.shownMs)} ms, interactive ${round(r.interactiveMs)} ms, ` +
      `timer lag under live updates max ${round(r.liveMaxTimerLagMs)} ms`,
  );
}

// device search over HTTP: a piece of a hostname and a whole serial, as the ServiceDesk types them
const apiMs = [];
for (let i = 0; i < searches; i++) {
  const d = sample[(i * 37) % sample.length];
  const q = i % 2 === 0 ? d.hostname.slice(-5) : d.serial || d.hostname;
  const t0 = performance.now();
  const r = await api(`/api/v1/devices?q=${encodeURIComponent(q)}&limit=50&offset=0`);
  apiMs.push(performance.now() - t0);
  if (!r.devices.some((x) => x.id === d.id)) throw new Error(`search for ${q} did not find ${d.id}`);
}
log(`device search, API: median ${round(median(apiMs))} ms, p95 ${round(p95(apiMs))} ms`);

// device search in the page: from the last keystroke to the result list showing the device
const pageMs = [];
{
  const { context, page } = await newPage();
  try {
    await page.goto(new URL('/geraete', base).href);
    const box = page.getByRole('searchbox').first();
    await box.waitFor({ timeout: 30_000 });
    for (let i = 0; i < searches; i++) {
      const d = sample[(i * 53) % sample.length];
      await box.fill('');
      const typed = await page.evaluate(() => performance.now());
      await box.fill(d.hostname);
      const shown = await page.waitForFunction(
        (id) =>
          document.querySelector(`a[href="/geraete/${encodeURIComponent(id)}"]`) ? performance.now() : false,
        d.id,
        { polling: 'raf', timeout: 10_000 },
      );
      pageMs.push((await shown.jsonValue()) - typed);
    }
  } finally {
    await context.close();
  }
}
log(
  `device search, page (typing to result, debounce included): median ${round(median(pageMs))} ms, p95 ${round(p95(pageMs))} ms`,
);
await browser.close();

const pick = (k) => overview.map((r) => r[k]);
console.log(
  JSON.stringify({
    bench: 'dashboard',
    date: new Date().toISOString(),
    devices: fleet.devices,
    loads,
    overviewShownMs: { median: round(median(pick('shownMs'))), max: round(Math.max(...pick('shownMs'))) },
    overviewInteractiveMs: {
      median: round(median(pick('interactiveMs'))),
      max: round(Math.max(...pick('interactiveMs'))),
    },
    liveMaxTimerLagMs: round(Math.max(...pick('liveMaxTimerLagMs'))),
    searchApiMs: { median: round(median(apiMs)), p95: round(p95(apiMs)) },
    searchPageMs: { median: round(median(pageMs)), p95: round(p95(pageMs)) },
  }),
);
