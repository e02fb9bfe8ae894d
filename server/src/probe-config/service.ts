import type { ConfigFrame, Intervals, ProbeConfig } from '@lagebild/shared';
import { DEFAULT_INTERVALS } from '../options.js';
import type { Store, StoredProbeConfig } from '../store/store.js';

/** The probe targets and intervals agents run with: read, replaced, turned into config frames. */
export class ProbeConfigService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** The newest stored config; version 0 with no probes and default intervals before the first save. */
  async current(): Promise<StoredProbeConfig> {
    return (
      (await this.store.probeConfig()) ?? {
        version: 0,
        probes: [],
        intervals: DEFAULT_INTERVALS,
        updatedAt: null,
      }
    );
  }

  /** The config frame pushed to agents. */
  async frame(): Promise<ConfigFrame> {
    const c = await this.current();
    return { type: 'config', version: c.version, probes: c.probes, intervals: c.intervals };
  }

  /** Stores a new version; intervals default to the current ones. */
  async replace(probes: ProbeConfig[], intervals?: Intervals): Promise<StoredProbeConfig> {
    const c = await this.current();
    return this.store.saveProbeConfig(probes, intervals ?? c.intervals, this.now());
  }

  /** Stores the startup config as a new version unless it equals the stored one; true when it saved. */
  async seed(probes: ProbeConfig[] | undefined, intervals: Intervals | undefined): Promise<boolean> {
    if (!probes && !intervals) return false;
    const c = await this.current();
    const next = { probes: probes ?? c.probes, intervals: intervals ?? c.intervals };
    const same =
      c.version > 0 &&
      JSON.stringify(next.probes) === JSON.stringify(c.probes) &&
      JSON.stringify(next.intervals) === JSON.stringify(c.intervals);
    if (same) return false;
    await this.store.saveProbeConfig(next.probes, next.intervals, this.now());
    return true;
  }
}
