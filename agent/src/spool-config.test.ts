import { describe, expect, it } from 'vitest';
import { parseLocalConfig } from './config.js';

describe('spool bounds in the config file', () => {
  it('takes a size cap and an age cap', () => {
    const config = parseLocalConfig(
      JSON.stringify({ spool: { maxBytes: 128 * 1024 * 1024, maxAgeDays: 14 } }),
    );
    expect(config.spool).toEqual({ maxBytes: 128 * 1024 * 1024, maxAgeDays: 14 });
  });

  it('refuses caps that make no sense, naming the file', () => {
    for (const spool of [{ maxBytes: 1000 }, { maxBytes: '64M' }, { maxAgeDays: 0 }, { maxDays: 3 }, []]) {
      expect(() => parseLocalConfig(JSON.stringify({ spool }), 'agent.json')).toThrow(
        /agent\.json: "spool" must be/,
      );
    }
  });
});
