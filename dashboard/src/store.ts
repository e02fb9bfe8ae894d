import { type Action, type DashboardState, initialState, reduce, tick } from './state.js';

/** Holds the dashboard state; actions are queued and applied together once per frame. */
export interface Store {
  getState(): DashboardState;
  /** Queues an action; listeners hear about it after the next flush. */
  dispatch(action: Action): void;
  /** Slides time-based views forward (the latency window). */
  tick(): void;
  subscribe(listener: () => void): () => void;
}

export interface StoreOptions {
  /** Runs the flush later, e.g. on the next animation frame. */
  schedule: (flush: () => void) => void;
  now?: () => number;
  state?: DashboardState;
}

/** Creates a store that batches actions per scheduled flush and notifies listeners once per batch. */
export function createStore(options: StoreOptions): Store {
  const now = options.now ?? Date.now;
  let state = options.state ?? initialState();
  let queue: Action[] = [];
  let scheduled = false;
  const listeners = new Set<() => void>();

  const publish = (next: DashboardState) => {
    if (next === state) return;
    state = next;
    for (const listener of listeners) listener();
  };

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    publish(reduce(state, batch, now()));
  };

  return {
    getState: () => state,
    dispatch(action) {
      queue.push(action);
      if (!scheduled) {
        scheduled = true;
        options.schedule(flush);
      }
    },
    tick() {
      publish(tick(state, now()));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Schedules on the next animation frame while the page is visible. Hidden tabs get no frames, so
 * there a timer keeps the queue from growing without bound.
 */
export function frameScheduler(flush: () => void): void {
  if (typeof document !== 'undefined' && document.hidden) setTimeout(flush, 500);
  else requestAnimationFrame(flush);
}
