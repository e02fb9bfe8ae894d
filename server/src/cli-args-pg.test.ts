import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE, UsageError } from './cli-args.js';

const serve = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const command = parseCliArgs(argv, env);
  if (command.kind !== 'serve') throw new Error(`not serve: ${command.kind}`);
  return command.args;
};

describe('--pg and --pg-schema', () => {
  it('keeps SQLite when neither is given', () => {
    expect(serve([]).pg).toBeUndefined();
  });

  it('takes the URL and schema from flags, or from LAGEBILD_PG_URL / LAGEBILD_PG_SCHEMA', () => {
    expect(serve(['--pg', 'postgres://lb@db/lagebild', '--pg-schema', 'stadt_a']).pg).toEqual({
      url: 'postgres://lb@db/lagebild',
      schema: 'stadt_a',
    });
    expect(serve([], { LAGEBILD_PG_URL: 'postgresql://db/x', LAGEBILD_PG_SCHEMA: 'lb' }).pg).toEqual({
      url: 'postgresql://db/x',
      schema: 'lb',
    });
    // a flag wins over its variable
    expect(serve(['--pg', 'postgres://flag/db'], { LAGEBILD_PG_URL: 'postgres://env/db' }).pg).toEqual({
      url: 'postgres://flag/db',
      schema: undefined,
    });
  });

  it('refuses what cannot work, naming the flag or variable', () => {
    expect(() => serve(['--pg', 'mysql://db/x'])).toThrow(UsageError);
    expect(() => serve(['--pg', 'mysql://db/x'])).toThrow('--pg must be a postgres:// or postgresql:// URL');
    expect(() => serve([], { LAGEBILD_PG_URL: 'db:5432' })).toThrow(/^LAGEBILD_PG_URL must be/);
    expect(() => serve(['--pg-schema', 'lb'])).toThrow('--pg-schema needs --pg');
    expect(() => serve(['--pg', 'postgres://db/x', '--pg-schema', 'Drop Table'])).toThrow(
      '--pg-schema must be a lower-case identifier',
    );
    expect(() => serve(['--pg', ''])).toThrow('--pg must not be empty');
  });

  it('is explained by --help', () => {
    expect(USAGE).toContain('--pg URL');
    expect(USAGE).toContain('--pg-schema NAME');
    expect(USAGE).toContain('LAGEBILD_PG_URL, LAGEBILD_PG_SCHEMA');
  });
});
