import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { Intervals, type ProbeConfig } from './frames.js';
import { probeListProblems, schemaProblems } from './validate.js';

const probe: ProbeConfig = {
  id: 'gis',
  app: 'GIS',
  kind: 'http',
  target: 'https://gis.stadt.example/',
  intervalSec: 60,
  timeoutMs: 10_000,
};

describe('readable schema problems', () => {
  it('finds nothing wrong with a valid value', () => {
    expect(schemaProblems(Intervals, { healthSec: 60, vpnSec: 5, securityKeySec: 5 }, 'intervals')).toEqual(
      [],
    );
  });

  it('names the field and the rule it breaks', () => {
    const problems = probeListProblems([probe, { ...probe, id: 'x', intervalSec: 1 }], 'probes');
    expect(problems.join('\n')).toMatch(/^probes\[1\]\.intervalSec .*5/m);
  });

  it('reports unknown fields and missing ones', () => {
    const problems = schemaProblems(
      Type.Partial(Intervals, { additionalProperties: false }),
      { healthSec: 60, colour: 'red' },
      'intervals',
    );
    expect(problems.join('\n')).toMatch(/intervals/);
    expect(problems.length).toBeGreaterThan(0);
    expect(probeListProblems([{ id: 'a' }], 'probes').join('\n')).toMatch(/probes\[0\]/);
  });

  it('refuses the same probe id twice', () => {
    expect(probeListProblems([probe, { ...probe }], 'probes')).toEqual([
      'probes: probe id(s) used more than once: gis',
    ]);
  });
});
