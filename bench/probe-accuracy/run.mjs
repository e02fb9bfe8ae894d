#!/usr/bin/env node
// Probe accuracy bench: the agent's HTTP(S) probe against two references, `curl -w` and
// prometheus-blackbox-exporter, on the same loopback targets with 0, 20 and 200 ms injected into
// connect, TLS handshake and first byte. Prints one JSON line (stdout) and a Markdown table (stderr).
//
//   pnpm --filter @lagebild/agent build && node bench/probe-accuracy/run.mjs [--runs 20]
//
// Needs: curl, prometheus-blackbox-exporter, openssl; for the connect delay also root, iptables-legacy
// (xt_NFQUEUE) and python3 (see syn-delay.py) — without them the connect cases are skipped, said so.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const WARMUP = 5;
const PHASES = ['resolve', 'connect', 'tls', 'processing', 'transfer'];
const run = promisify(execFile);
const log = (...a) => console.error(...a);

let httpProbe;
try {
  ({ httpProbe } = await import(join(here, '../../agent/dist/index.js')));
} catch (e) {
  log(`cannot load the built agent (${e.message}); run: pnpm --filter @lagebild/agent build`);
  process.exit(2);
}

const cleanups = [];
const cleanup = () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch (e) {
      log(`cleanup: ${e.message}`);
    }
  }
};
// iptables rules must not outlive the bench
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r2 = (v) => Math.round(v * 100) / 100;

/** a CA and a P-256 leaf for 127.0.0.1 */
function makeCerts(dir) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'];
  const o = { cwd: dir, stdio: 'pipe' };
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...ec,
      '-subj',
      '/CN=Lagebild bench CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ],
    o,
  );
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      ...ec,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-addext',
      'basicConstraints=CA:FALSE',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.pem',
    ],
    o,
  );
  return { ca: join(dir, 'ca.pem'), key: join(dir, 'leaf.key'), cert: join(dir, 'leaf.pem') };
}

function startTargets(certs) {
  const child = spawn(process.execPath, [join(here, 'targets.mjs'), certs.key, certs.cert], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.stdin.end());
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
}

/** Holds the SYNs to the given ports back by 20 / 200 ms: a real TCP connect delay (see syn-delay.py). */
async function delaySyns(ports20, ports200) {
  if (process.getuid?.() !== 0) return 'skipped: needs root (iptables, NFQUEUE)';
  const iptables = which('iptables-legacy');
  const python = which('python3');
  if (!iptables || !python) return 'skipped: needs iptables-legacy and python3';
  const queues = { 20: 4720, 200: 4721 };
  const py = spawn(python, [join(here, 'syn-delay.py'), `${queues[20]}:20`, `${queues[200]}:200`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanups.push(() => py.stdin.end());
  const ready = await new Promise((resolve) => {
    py.stdout.once('data', (d) => resolve(String(d).includes('ready')));
    py.once('exit', () => resolve(false));
  });
  if (!ready) return 'skipped: syn-delay.py could not bind its NFQUEUEs';
  const rules = [...ports20.map((p) => [p, queues[20]]), ...ports200.map((p) => [p, queues[200]])].map(
    ([port, q]) => [
      'OUTPUT',
      '-o',
      'lo',
      '-p',
      'tcp',
      '--dport',
      String(port),
      '--syn',
      '-j',
      'NFQUEUE',
      '--queue-num',
      String(q),
    ],
  );
  for (const rule of rules) {
    execFileSync(iptables, ['-I', ...rule]);
    cleanups.push(() => execFileSync(iptables, ['-D', ...rule]));
  }
  return 'nfqueue';
}

async function startBlackbox(ca) {
  const bin = which('prometheus-blackbox-exporter') ?? which('blackbox_exporter');
  if (!bin)
    throw new Error('prometheus-blackbox-exporter not found (apt-get install prometheus-blackbox-exporter)');
  const dir = mkdtempSync(join(tmpdir(), 'lagebild-bb-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const http =
    '    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n';
  writeFileSync(
    join(dir, 'blackbox.yml'),
    `modules:\n  http:\n${http}  https:\n${http}      tls_config:\n        ca_file: ${ca}\n`,
  );
  const port = await freePort();
  const child = spawn(
    bin,
    [`--config.file=${join(dir, 'blackbox.yml')}`, `--web.listen-address=127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  cleanups.push(() => child.kill());
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/metrics`)).ok) break;
    } catch {}
    if (child.exitCode !== null) throw new Error(`blackbox exporter exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const version = /version (\S+)/.exec(
    execFileSync('sh', ['-c', `${bin} --version 2>&1`], { encoding: 'utf8' }),
  )?.[1];
  return { port, version: version ?? 'unknown' };
}

// ---- the three probes, each reduced to phase durations in ms (blackbox_exporter's phases) ----

async function agentProbe(url, ca) {
  const config = { id: 'bench', app: 'bench', kind: 'http', target: url, intervalSec: 60, timeoutMs: 5000 };
  const r = await httpProbe(config, { tls: { ca } });
  if (!r.ok) throw new Error(`agent probe of ${url} failed: ${r.errorClass} ${r.errorMessage}`);
  const p = r.phases;
  const dns = p.dnsMs ?? 0;
  const secured = p.tlsMs ?? p.connectMs;
  return {
    resolve: dns,
    connect: p.connectMs - dns,
    tls: secured - p.connectMs,
    processing: p.ttfbMs - secured,
    transfer: p.totalMs - p.ttfbMs,
    total: p.totalMs,
  };
}

/**
 * curl fetches the URL twice in one process, each time over a new connection with a full handshake
 * (no session reuse). The first ("cold") transfer also pays curl's per-process TLS set-up (OpenSSL
 * initialisation, reading the CA file) inside time_appconnect; the second ("warm") does not, like the
 * long-running agent and blackbox_exporter. Both are reported.
 */
async function curlProbe(url, caFile) {
  const args = ['-s', '--http1.1', '--no-sessionid', '-H', 'Connection: close', '--cacert', caFile];
  const { stdout } = await run('curl', [
    ...args,
    '-w',
    '%{json}\n',
    '-o',
    '/dev/null',
    url,
    '-o',
    '/dev/null',
    url,
  ]);
  const [cold, warm] = stdout
    .trim()
    .split('\n')
    .map((line) => {
      const j = JSON.parse(line);
      if (j.response_code !== 200) throw new Error(`curl ${url}: status ${j.response_code}`);
      const ms = (k) => j[k] * 1000;
      const secured = url.startsWith('https:') ? ms('time_appconnect') : ms('time_connect');
      return {
        resolve: ms('time_namelookup'),
        connect: ms('time_connect') - ms('time_namelookup'),
        tls: secured - ms('time_connect'),
        processing: ms('time_starttransfer') - secured,
        transfer: ms('time_total') - ms('time_starttransfer'),
        total: ms('time_total'),
      };
    });
  return { cold, warm };
}

async function blackboxProbe(url, bb) {
  const module = url.startsWith('https:') ? 'https' : 'http';
  const res = await fetch(
    `http://127.0.0.1:${bb.port}/probe?module=${module}&target=${encodeURIComponent(url)}`,
  );
  const text = await res.text();
  if (!/^probe_success 1$/m.test(text)) throw new Error(`blackbox probe of ${url} failed:\n${text}`);
  const out = {};
  for (const phase of PHASES) {
    const m = new RegExp(`^probe_http_duration_seconds\\{phase="${phase}"\\} (\\S+)$`, 'm').exec(text);
    out[phase] = Number(m?.[1] ?? Number.NaN) * 1000;
  }
  out.total = PHASES.reduce((s, p) => s + out[p], 0);
  return out;
}

// ---- main ----

const dir = mkdtempSync(join(tmpdir(), 'lagebild-accuracy-'));
cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
try {
  const certs = makeCerts(dir);
  const ca = readFileSync(certs.ca, 'utf8');
  const ports = await startTargets(certs);
  const connectDelay = await delaySyns(
    [ports.httpSyn20, ports.httpsSyn20],
    [ports.httpSyn200, ports.httpsSyn200],
  );
  const bb = await startBlackbox(certs.ca);
  const curlVersion = execFileSync('curl', ['--version'], { encoding: 'utf8' }).split('\n')[0];

  const h = (port, path = '/') => `http://127.0.0.1:${port}${path}`;
  const s = (port, path = '/') => `https://127.0.0.1:${port}${path}`;
  const cases = [
    { name: 'http', url: h(ports.http), phase: null },
    { name: 'http connect +20', url: h(ports.httpSyn20), phase: 'connect', ms: 20 },
    { name: 'http connect +200', url: h(ports.httpSyn200), phase: 'connect', ms: 200 },
    { name: 'http first byte +20', url: h(ports.http, '/fb/20'), phase: 'processing', ms: 20 },
    { name: 'http first byte +200', url: h(ports.http, '/fb/200'), phase: 'processing', ms: 200 },
    { name: 'https', url: s(ports.https), phase: null },
    { name: 'https connect +20', url: s(ports.httpsSyn20), phase: 'connect', ms: 20 },
    { name: 'https connect +200', url: s(ports.httpsSyn200), phase: 'connect', ms: 200 },
    { name: 'https tls +20', url: s(ports.httpsTls20), phase: 'tls', ms: 20 },
    { name: 'https tls +200', url: s(ports.httpsTls200), phase: 'tls', ms: 200 },
    { name: 'https first byte +20', url: s(ports.https, '/fb/20'), phase: 'processing', ms: 20 },
    { name: 'https first byte +200', url: s(ports.https, '/fb/200'), phase: 'processing', ms: 200 },
  ].filter((c) => c.phase !== 'connect' || connectDelay === 'nfqueue');
  if (connectDelay !== 'nfqueue') log(`connect delay cases ${connectDelay}`);

  // each tool yields one or more series of phase durations
  const tools = {
    agent: async (url) => ({ agent: await agentProbe(url, ca) }),
    curl: async (url) => {
      const { cold, warm } = await curlProbe(url, certs.ca);
      return { curl: warm, curlCold: cold };
    },
    blackbox: async (url) => ({ blackbox: await blackboxProbe(url, bb) }),
  };
  const names = Object.keys(tools);
  const SERIES = ['agent', 'curl', 'curlCold', 'blackbox'];
  for (const url of [h(ports.http), s(ports.https)]) {
    for (let i = 0; i < WARMUP; i++) for (const t of names) await tools[t](url);
  }

  const rows = [];
  const within = (a, ref) => Math.abs(a - ref) <= Math.max(2, 0.05 * ref);
  for (const c of cases) {
    const samples = Object.fromEntries(SERIES.map((t) => [t, []]));
    for (let i = 0; i < RUNS; i++) {
      // rotate the order so that no tool always runs right after another
      for (let k = 0; k < names.length; k++) {
        const out = await tools[names[(i + k) % names.length]](c.url);
        for (const [series, phases] of Object.entries(out)) samples[series].push(phases);
      }
    }
    const phases = c.url.startsWith('https:') ? PHASES : PHASES.filter((p) => p !== 'tls');
    for (const phase of [...phases, 'total']) {
      const m = Object.fromEntries(SERIES.map((t) => [t, median(samples[t].map((x) => x[phase]))]));
      const row = { case: c.name, phase, injected: c.phase === phase ? c.ms : 0 };
      for (const t of SERIES) row[t] = r2(m[t]);
      if (phase !== 'total') {
        row.okCurl = within(m.agent, m.curl);
        row.okBlackbox = within(m.agent, m.blackbox);
        row.okCurlCold = within(m.agent, m.curlCold);
      }
      rows.push(row);
    }
  }

  const failures = rows.filter((r) => r.okCurl === false || r.okBlackbox === false);
  const coldMisses = rows.filter((r) => r.okCurlCold === false);
  const result = {
    bench: 'probe-accuracy',
    date: new Date().toISOString(),
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    node: process.version,
    curl: curlVersion,
    blackbox: bb.version,
    runs: RUNS,
    connectDelay,
    criterion:
      'median phase duration of the agent within max(2 ms, 5 %) of blackbox_exporter and of curl (warm: 2nd transfer of the process)',
    pass: failures.length === 0,
    coldCurlMisses: coldMisses.map((r) => `${r.case} ${r.phase}`),
    rows,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);

  // Markdown: one line per case, each cell "agent / curl / blackbox" (medians, ms); ✗ marks a miss
  log(
    '\n| case | connect | tls | tls, cold curl | processing (to first byte) | transfer | total (agent / curl) |',
  );
  log('|---|---|---|---|---|---|---|');
  for (const c of cases) {
    const row = (phase) => rows.find((x) => x.case === c.name && x.phase === phase);
    const cell = (phase) => {
      const r = row(phase);
      if (!r) return '–';
      const mark = r.okCurl === false || r.okBlackbox === false ? ' ✗' : '';
      const v = `${r.agent} / ${r.curl} / ${r.blackbox}${mark}`;
      return r.injected ? `**${v}**` : v;
    };
    const tls = row('tls');
    const cold = tls ? `${tls.curlCold}${tls.okCurlCold ? '' : ' ✗'}` : '–';
    const t = row('total');
    log(
      `| ${c.name} | ${cell('connect')} | ${cell('tls')} | ${cold} | ${cell('processing')} | ${cell('transfer')} | ${t.agent} / ${t.curl} |`,
    );
  }
  log(
    `\n${failures.length === 0 ? 'all phases agree' : `${failures.length} phase(s) outside the tolerance`}`,
  );
  for (const f of failures)
    log(`  ${f.case} ${f.phase}: agent ${f.agent}, curl ${f.curl}, blackbox ${f.blackbox}`);
  if (coldMisses.length) log(`against cold curl also outside: ${result.coldCurlMisses.join(', ')}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
} finally {
  cleanup();
}
