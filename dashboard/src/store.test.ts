import { describe, expect, it } from 'vitest';
import { createStore } from './store.js';
import { device, fleet } from './testing.js';

describe('the store', () => {
  it('applies everything that arrived before the next frame in one update', () => {
    const frames: (() => void)[] = [];
    const store = createStore({ schedule: (f) => frames.push(f), now: () => 0 });
    let renders = 0;
    store.subscribe(() => renders++);
    store.dispatch({ type: 'snapshot', serverTime: 0, fleet: fleet({ devices: 1 }), devices: [device('a')] });
    for (let i = 0; i < 50; i++) store.dispatch({ type: 'device', device: device('a', { lastSeen: i }) });
    expect(frames).toHaveLength(1);
    expect(store.getState().devices.size).toBe(0);
    frames[0]!();
    expect(renders).toBe(1);
    expect(store.getState().devices.get('a')?.lastSeen).toBe(49);
    // the next action asks for a new frame
    store.dispatch({ type: 'fleet', fleet: fleet({ devices: 2 }) });
    expect(frames).toHaveLength(2);
  });

  it('stops notifying a listener after it unsubscribed', () => {
    const frames: (() => void)[] = [];
    const store = createStore({ schedule: (f) => frames.push(f), now: () => 0 });
    let renders = 0;
    const off = store.subscribe(() => renders++);
    off();
    store.dispatch({ type: 'fleet', fleet: fleet() });
    frames[0]!();
    expect(renders).toBe(0);
    expect(store.getState().fleet).not.toBeNull();
  });
});
