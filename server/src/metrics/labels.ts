/** Label value for a device without the group ('' in the store). */
export const NO_GROUP = 'none';
/** Label value for the values past a label's limit. */
export const OTHER = '(other)';

/** The label value of a group as the store names it. */
export function groupLabel(group: string): string {
  return group === '' ? NO_GROUP : group;
}

/**
 * Bounds the distinct values of one label. Apps and groups come from what agents report, and every new
 * value is a set of time series that lives until the process ends; past the limit new values count as
 * OTHER instead of growing the scrape (and Prometheus) without end.
 */
export class LabelLimit {
  private readonly seen = new Set<string>();
  private overflowed = false;

  constructor(
    private readonly max: number,
    /** called once, for the first value that did not fit */
    private readonly onOverflow: (value: string) => void = () => {},
  ) {}

  value(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size < this.max) {
      this.seen.add(v);
      return v;
    }
    if (!this.overflowed) {
      this.overflowed = true;
      this.onOverflow(v);
    }
    return OTHER;
  }
}
