import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation } from '@lagebild/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from './outbox.js';
import { DEFAULT_SPOOL, type SpoolOptions } from './spool.js';
import { isStateEvent, minuteOf } from './spool-week.test-util.js';
import { AgentState } from './state.js';

const START = Date.UTC(2026, 10, 2, 6, 0, 0);
const WEEK_MINUTES = 7 * 24 * 60;
const MiB = 1024 * 1024;

interface Week {
  outbox: Outbox;
  produced: Record<string, number>;
  events: number;
  maxBytes: number;
}

/** Drains everything the outbox holds as the server would receive it after reconnecting. */
function drain(outbox: Outbox): Observation[] {
  const got: Observation[] = [];
  outbox.welcome(0);
  for (let b = outbox.nextBatch(); b; b = outbox.nextBatch()) {
    got.push(...b);
    outbox.ack(b[b.length - 1]!.seq);
  }
  return got;
}

const countByKind = (os: readonly { kind: string }[]) =>
  os.reduce<Record<string, number>>((m, o) => {
    m[o.kind] = (m[o.kind] ?? 0) + 1;
    return m;
  }, {});

describe('spool bounds over a week offline', () => {
  let dir: string;
  // tmpfs where there is one: fdatasync per append is the policy, but the test is about the bounds
  beforeEach(() => {
    dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'lagebild-week-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function offline(minutes: number, spool: SpoolOptions): Week {
    let now = START;
    const outbox = Outbox.open(AgentState.open(dir), { spool: { ...spool, now: () => now } });
    const produced: Record<string, number> = {};
    let events = 0;
    let maxBytes = 0;
    for (let m = 0; m < minutes; m++) {
      const minute = minuteOf(m, START);
      now = START + (m + 1) * 60_000;
      outbox.push(minute);
      for (const s of minute) {
        produced[s.data.kind] = (produced[s.data.kind] ?? 0) + 1;
        if (isStateEvent(s.data)) events++;
      }
      maxBytes = Math.max(maxBytes, outbox.spoolStats().bytes);
    }
    return { outbox, produced, events, maxBytes };
  }

  it('holds a whole week at the default caps without losing anything', () => {
    const week = offline(WEEK_MINUTES, {});
    expect(week.maxBytes).toBeLessThan(DEFAULT_SPOOL.maxBytes * 0.75);
    const got = drain(week.outbox);
    expect(countByKind(got)).toEqual(week.produced);
    expect(got.some((o) => o.kind === 'agent' && o.event === 'spool-dropped')).toBe(false);
  }, 60_000);

  it('stays within a small cap, keeps every state change and reports what it thinned', () => {
    const cap = 8 * MiB;
    const week = offline(WEEK_MINUTES, { maxBytes: cap });
    expect(week.maxBytes).toBeLessThanOrEqual(cap);
    const got = drain(week.outbox);
    const report = got.filter((o) => o.kind === 'agent' && o.event === 'spool-dropped');
    expect(report).toHaveLength(1);
    const kept = got.filter((o) => o !== report[0]);
    expect(kept.filter(isStateEvent)).toHaveLength(week.events);
    const dropped = report[0]!.kind === 'agent' ? (report[0]!.dropped ?? {}) : {};
    const keptByKind = countByKind(kept);
    for (const kind of ['probe', 'health', 'vpn', 'securityKey']) {
      expect(dropped[kind]).toBeGreaterThan(0);
      expect((keptByKind[kind] ?? 0) + dropped[kind]!).toBe(week.produced[kind]);
    }
    // the newest hour survives in full, and older days are thinner than newer ones
    const probesIn = (fromMin: number, toMin: number) =>
      kept.filter(
        (o) => o.kind === 'probe' && o.ts >= START + fromMin * 60_000 && o.ts < START + toMin * 60_000,
      ).length;
    expect(probesIn(WEEK_MINUTES - 60, WEEK_MINUTES)).toBe(8 * 60);
    expect(probesIn(0, 1440)).toBeLessThan(probesIn(WEEK_MINUTES - 1440, WEEK_MINUTES));
    // sent in order, with gaps where samples were thinned
    const s = got.map((o) => o.seq);
    expect(s).toEqual([...s].sort((a, b) => a - b));
  }, 60_000);

  it('drops samples older than the age cap but keeps their state changes', () => {
    const week = offline(3 * 24 * 60, { maxAgeDays: 1 });
    const got = drain(week.outbox);
    const oldest = Math.min(...got.filter((o) => o.kind === 'probe').map((o) => o.ts));
    expect(START + 3 * 24 * 60 * 60_000 - oldest).toBeLessThan(2 * 86_400_000);
    const reports = got.filter((o) => o.kind === 'agent' && o.event === 'spool-dropped');
    expect(reports).toHaveLength(1);
    expect(got.filter(isStateEvent).length).toBe(week.events + reports.length);
  }, 60_000);

  it('keeps the drop counts across a restart until they are reported', () => {
    const week = offline(2 * 24 * 60, { maxBytes: 1 * MiB });
    const before = week.outbox.spoolStats();
    const restarted = Outbox.open(AgentState.open(dir), { spool: { maxBytes: 1 * MiB, now: () => START } });
    expect(restarted.size()).toBe(week.outbox.size());
    expect(restarted.spoolStats().bytes).toBe(before.bytes);
    const report = drain(restarted).filter((o) => o.kind === 'agent' && o.event === 'spool-dropped');
    expect(report).toHaveLength(1);
    const total = Object.values(report[0]!.kind === 'agent' ? (report[0]!.dropped ?? {}) : {}).reduce(
      (a, b) => a + b,
      0,
    );
    const produced = Object.values(week.produced).reduce((a, b) => a + b, 0);
    expect(total).toBe(produced - week.outbox.size());
  }, 60_000);
});
