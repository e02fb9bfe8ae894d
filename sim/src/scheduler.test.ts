import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduler', () => {
  it('runs one-shot tasks in order of their due time', async () => {
    const s = new Scheduler();
    const order: string[] = [];
    s.at(30, () => order.push('c'));
    s.at(10, () => order.push('a'));
    s.at(20, () => order.push('b'));
    await sleep(60);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(s.size).toBe(0);
  });

  it('repeats periodic tasks until cancelled', async () => {
    const s = new Scheduler();
    let runs = 0;
    const task = s.every(10, () => runs++, 0);
    await sleep(75);
    task.cancel();
    const seen = runs;
    expect(seen).toBeGreaterThanOrEqual(4);
    await sleep(40);
    expect(runs).toBe(seen);
    expect(s.size).toBe(0);
  });

  it('does not run a cancelled task and survives a throwing one', async () => {
    const errors: unknown[] = [];
    const s = new Scheduler((e) => errors.push(e));
    let ran = false;
    s.at(5, () => {
      throw new Error('boom');
    });
    s.at(10, () => {
      ran = true;
    });
    s.at(10, () => {
      throw new Error('never');
    }).cancel();
    await sleep(40);
    expect(ran).toBe(true);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('keeps thousands of tasks in one heap and clears them all', async () => {
    const s = new Scheduler();
    let runs = 0;
    for (let i = 0; i < 5_000; i++) s.every(1_000, () => runs++, i % 20);
    await sleep(50);
    expect(runs).toBe(5_000);
    expect(s.size).toBe(5_000);
    s.clear();
    expect(s.size).toBe(0);
  });
});
