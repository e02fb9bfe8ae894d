// Progress lines on stderr for long work (stdout carries the result only).

const started = Date.now();

export function log(msg) {
  const s = Math.round((Date.now() - started) / 1000);
  process.stderr.write(
    `[${String(Math.floor(s / 60)).padStart(3, ' ')}m${String(s % 60).padStart(2, '0')}s] ${msg}\n`,
  );
}

/** Counts rows of one long step and prints rate and ETA at most every `everyMs`. */
export function meter(label, expected, everyMs = 15_000) {
  const t0 = Date.now();
  let last = t0;
  let n = 0;
  return {
    add(k) {
      n += k;
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      const rate = n / ((now - t0) / 1000);
      const eta = expected > n ? ` ETA ${Math.round((expected - n) / rate)} s` : '';
      const of = expected ? ` of ${expected.toLocaleString('en')}` : '';
      log(
        `  ${label}: ${n.toLocaleString('en')}${of} rows, ${Math.round(rate).toLocaleString('en')}/s${eta}`,
      );
    },
    done() {
      const sec = (Date.now() - t0) / 1000;
      log(
        `  ${label}: ${n.toLocaleString('en')} rows in ${sec.toFixed(1)} s (${Math.round(n / sec).toLocaleString('en')}/s)`,
      );
      return { rows: n, seconds: sec };
    },
  };
}
