import { describe, expect, it } from 'vitest';
import { VpnStateTracker } from './vpn-state.js';

describe('VPN state over time', () => {
  it('keeps since at the first sighting of a state and counts changes in the last hour', () => {
    const t = new VpnStateTracker();
    expect(t.observe('down', 1000)).toEqual({
      change: false,
      since: 1000,
      changesLastHour: 0,
      resumed: false,
    });
    expect(t.observe('down', 3000)).toMatchObject({ change: false, since: 1000 });
    expect(t.observe('up', 5000)).toEqual({ change: true, since: 5000, changesLastHour: 1, resumed: false });
    expect(t.observe('degraded', 7000)).toMatchObject({ change: true, since: 7000, changesLastHour: 2 });
    expect(t.observe('up', 9000)).toMatchObject({ changesLastHour: 3 });
    // an hour after the first change it no longer counts
    for (let now = 11_000; now < 5000 + 3_600_000; now += 2000) t.observe('up', now);
    expect(t.observe('up', 5000 + 3_600_000)).toMatchObject({ since: 9000, changesLastHour: 2 });
  });

  it('does not count a change found after a sleep, nor the reconnect right after waking, as flaps', () => {
    const t = new VpnStateTracker({ settleMs: 60_000 });
    let now = 0;
    const after = (ms: number) => {
      now += ms;
      return now;
    };
    for (let i = 0; i < 5; i++) t.observe('up', after(2000));
    // lid closed for two hours: the tunnel went down while asleep
    now += 2 * 3_600_000;
    expect(t.observe('down', now)).toEqual({ change: true, since: now, changesLastHour: 0, resumed: true });
    // the client reconnects 10 s after waking
    expect(t.observe('up', after(10_000))).toMatchObject({
      change: true,
      changesLastHour: 0,
      resumed: false,
    });
    // a real drop a minute later (polled every 2 s meanwhile) is a flap again
    for (let i = 0; i < 30; i++) t.observe('up', after(2000));
    expect(t.observe('down', after(2000))).toMatchObject({ change: true, changesLastHour: 1 });
  });

  it('tells a sleep from a slow rhythm: a long interval that is usual is no sleep', () => {
    const t = new VpnStateTracker({ minGapMs: 30_000 });
    let now = 0;
    const after = (ms: number) => {
      now += ms;
      return now;
    };
    for (let i = 0; i < 3; i++) t.observe('up', after(300_000));
    expect(t.observe('down', after(300_000))).toMatchObject({ resumed: false, changesLastHour: 1 });
  });

  it('survives the clock being set back', () => {
    const t = new VpnStateTracker();
    t.observe('up', 10_000_000);
    t.observe('down', 10_002_000);
    expect(t.observe('down', 5_000_000)).toMatchObject({ changesLastHour: 0, change: false });
    expect(t.observe('up', 5_002_000)).toMatchObject({ changesLastHour: 1, change: true });
  });
});

describe('VPN state with the agent sleep detector', () => {
  it('takes a wake-up the detector saw as the end of a sleep even after a short gap', () => {
    const t = new VpnStateTracker();
    t.observe('up', 2000);
    t.observe('up', 4000);
    // the detector noticed the resume at 5000; the next poll comes as usual
    expect(t.observe('down', 6000, 5000)).toMatchObject({ change: true, resumed: true, changesLastHour: 0 });
    // the same resume does not count twice
    expect(t.observe('down', 8000, 5000)).toMatchObject({ resumed: false });
  });
});
