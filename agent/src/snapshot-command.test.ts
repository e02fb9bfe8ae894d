import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from './cli-main.js';
import { parseRecording } from './replay.js';
import type { Snapshot } from './snapshot.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = {
    out: async (t) => {
      out.push(t);
    },
    err: (t) => err.push(t),
    env: {},
    stopSignal: () => new Promise(() => {}),
  };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

const EXAMPLE = new URL('../fixtures/replay/windows-globalprotect-yubikey5.json', import.meta.url).pathname;

describe('lagebild-agent snapshot --record / --replay', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lagebild-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records this machine into a file that replays to the same JSON', async () => {
    const file = join(dir, 'nb.json');
    const rec = io();
    expect(await main(['snapshot', '--json', '--record', file], rec.cli)).toBe(0);
    expect(rec.err()).toContain(`raw inputs recorded in ${file}`);
    expect(parseRecording(readFileSync(file, 'utf8')).format).toBe('lagebild-raw/1');
    // the file may hold serial numbers: readable by its owner only
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const replay = io();
    expect(await main(['snapshot', '--json', '--replay', file], replay.cli)).toBe(0);
    expect(JSON.parse(replay.out())).toEqual(JSON.parse(rec.out()));
  });

  it('replays a recording from another machine into the same output every time', async () => {
    const a = io();
    const b = io();
    expect(await main(['snapshot', '--json', '--replay', EXAMPLE], a.cli)).toBe(0);
    expect(await main(['snapshot', '--json', '--replay', EXAMPLE], b.cli)).toBe(0);
    expect(a.out()).toBe(b.out());
    const snap = JSON.parse(a.out()) as Snapshot;
    expect(snap.observations.find((o) => o.kind === 'identity')).toMatchObject({ hostname: 'NB-STADT-0815' });
  });

  it('prints the German summary of a recording without --json', async () => {
    const s = io();
    expect(await main(['snapshot', '--replay', EXAMPLE], s.cli)).toBe(0);
    expect(s.out()).toMatch(/^Gerät: +NB-STADT-0815, Seriennummer PF4ABC12/m);
    expect(s.out()).toMatch(/^VPN: +verbunden: .*GlobalProtect über Ethernet 3 \(10\.12\.0\.5\)/m);
    expect(s.out()).toMatch(/^Schlüssel: +Yubico YubiKey 5 \(OTP, FIDO, CCID\)/m);
  });

  it('exits with 2 and names the field when the recording is malformed', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ format: 'lagebild-raw/1', platform: 'linux', clock: { now: 1 }, si: { mem: 3 } }),
    );
    const s = io();
    expect(await main(['snapshot', '--json', '--replay', file], s.cli)).toBe(2);
    expect(s.err()).toContain(`${file}: si.mem must be an object, not number`);
    expect(s.out()).toBe('');
  });

  it('exits with 2 when the recording cannot be read or is no recording', async () => {
    const missing = io();
    expect(await main(['snapshot', '--replay', join(dir, 'none.json')], missing.cli)).toBe(2);
    expect(missing.err()).toContain('cannot read recording');
    const file = join(dir, 'config.json');
    writeFileSync(file, '{"probes": []}');
    const other = io();
    expect(await main(['snapshot', '--replay', file], other.cli)).toBe(2);
    expect(other.err()).toContain('format must be "lagebild-raw/1", not missing');
  });

  it('refuses --replay together with --config or --record', async () => {
    const s = io();
    expect(await main(['snapshot', '--replay', EXAMPLE, '--record', join(dir, 'x.json')], s.cli)).toBe(2);
    expect(s.err()).toContain('--replay takes neither --record nor --config');
  });

  it('exits with 1 when the recording cannot be written', async () => {
    const s = io();
    expect(await main(['snapshot', '--json', '--record', join(dir, 'no', 'such', 'dir.json')], s.cli)).toBe(
      1,
    );
    expect(s.err()).toContain('cannot write recording');
  });
});
