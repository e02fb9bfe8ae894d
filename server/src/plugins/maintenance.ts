import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Samples folded per call. SQLite folds synchronously in the event loop: 60–75 µs per sample were
 * measured with 10,000 devices and 5 Fachverfahren (each sample touches its own device cells), so a
 * step of 10,000 pauses the server for about 0.6 s; a backlog is worked off in steps with I/O in
 * between. Folding outside the event loop is the open fix.
 */
const ROLLUP_STEP = 10_000;
/** A backlog from before a restart is folded soon after the start. */
const FIRST_ROLLUP_MS = 1000;
/** The first retention run waits this long at most: soon after a start, but not in the middle of it. */
const FIRST_RETENTION_MS = 60_000;

interface Job {
  /** Prevents further runs and waits for the running one. */
  stop(): Promise<void>;
}

/**
 * Runs `run` after `firstMs`, then `intervalMs` after each run ends (runs never overlap); `run`
 * returning true means "more work is waiting": the next run starts right away.
 */
function repeat(
  log: FastifyBaseLogger,
  firstMs: number,
  intervalMs: number,
  run: () => Promise<boolean>,
): Job {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    // a forgotten app must not keep the process alive; close() stops the job properly
    timer.unref();
  };
  const tick = () => {
    timer = null;
    running = (async () => {
      let again = false;
      try {
        again = await run();
      } catch (err) {
        log.error({ err }, 'maintenance job failed');
      }
      running = null;
      schedule(again ? 0 : intervalMs);
    })();
  };
  schedule(firstMs);

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/**
 * Background jobs on the store: the rollup job folds new raw samples into the minute and hour
 * rollups (every `rollupIntervalMs`, at once again while it has not caught up); retention deletes
 * expired data every `retentionIntervalMs`. An interval of 0 turns a job off.
 */
export default fp(
  async (app) => {
    const { rollupIntervalMs, retentionIntervalMs, retention, now } = app.lagebild;
    const jobs: Job[] = [];

    if (rollupIntervalMs > 0) {
      const log = app.log.child({ job: 'rollup' });
      jobs.push(
        repeat(log, Math.min(rollupIntervalMs, FIRST_ROLLUP_MS), rollupIntervalMs, async () => {
          const r = await app.store.rollup(ROLLUP_STEP);
          if (r.samples > 0) log.debug({ samples: r.samples, caughtUp: r.caughtUp }, 'samples folded');
          return !r.caughtUp;
        }),
      );
    }

    if (retentionIntervalMs > 0) {
      const log = app.log.child({ job: 'retention' });
      const first = Math.min(retentionIntervalMs, FIRST_RETENTION_MS);
      jobs.push(
        repeat(log, first, retentionIntervalMs, async () => {
          const r = await app.store.applyRetention(now(), retention);
          const rows = r.raw + r.minute + r.hour + r.events;
          if (rows > 0) log.info({ deleted: r }, `retention: ${rows} expired rows deleted`);
          else log.debug('retention: nothing expired');
          return false;
        }),
      );
    }

    app.addHook('onClose', async () => {
      await Promise.all(jobs.map((j) => j.stop()));
    });
  },
  { name: 'lagebild-maintenance', dependencies: ['lagebild-store'] },
);
