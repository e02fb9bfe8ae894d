// Runs inside the "dc" network namespace next to the server (the test process cannot reach it from the
// host namespace): polls the REST API and prints one JSON line whenever the device's VPN view changes.
// Usage: node watch-device.mjs http://192.0.2.1:8080 'lagebild_session=…'
const base = process.argv[2];
const headers = { cookie: process.argv[3] ?? '' };
let last = '';

async function once() {
  const list = await (await fetch(`${base}/api/v1/devices`, { headers })).json();
  const id = list.devices[0]?.id;
  if (!id) return;
  const d = await (await fetch(`${base}/api/v1/devices/${id}`, { headers })).json();
  const view = { vpn: d.vpn, vpnDetail: d.vpnDetail, events: d.events.filter((e) => e.kind === 'vpn') };
  const text = JSON.stringify(view);
  if (text === last) return;
  last = text;
  process.stdout.write(`${JSON.stringify({ at: Date.now(), ...view })}\n`);
}

for (;;) {
  await once().catch((e) => process.stderr.write(`watch: ${e.message}\n`));
  await new Promise((r) => setTimeout(r, 150));
}
