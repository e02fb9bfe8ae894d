import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCliArgs, parseDuration, UsageError } from './cli-args.js';
import { DEFAULT_RETENTION } from './store/rollup.js';

const serve = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const c = parseCliArgs(argv, env);
  if (c.kind !== 'serve') throw new Error(`expected serve, got ${c.kind}`);
  return c.args;
};

describe('lagebild-server arguments', () => {
  it('listens on 127.0.0.1:8080 with ./lagebild-data by default', () => {
    expect(serve([])).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dataDir: resolve('lagebild-data'),
      enrollSecrets: [],
      probesFile: undefined,
      tls: undefined,
      logLevel: 'info',
      connectRatePerSec: 200,
      connectBurst: 400,
      retention: DEFAULT_RETENTION,
    });
  });

  it('marks the session cookie Secure behind a TLS proxy when told so', () => {
    expect(serve(['--secure-cookies']).secureCookies).toBe(true);
    expect(serve([], { LAGEBILD_SECURE_COOKIES: '1' }).secureCookies).toBe(true);
    expect(serve([]).secureCookies).toBeUndefined();
  });

  it('keeps raw samples 48 h, minute rollups 14 d, hour rollups 400 d and events 90 d unless told otherwise', () => {
    const h = 3_600_000;
    expect(DEFAULT_RETENTION).toEqual({
      rawMs: 48 * h,
      minuteMs: 14 * 24 * h,
      hourMs: 400 * 24 * h,
      eventsMs: 90 * 24 * h,
    });
    expect(
      serve(['--retain-raw', '90m', '--retain-minutes', '7d', '--retain-hours', '2000h'], {
        LAGEBILD_RETAIN_RAW: '3d',
        LAGEBILD_RETAIN_EVENTS: '30d',
      }).retention,
    ).toEqual({ rawMs: 1.5 * h, minuteMs: 7 * 24 * h, hourMs: 2000 * h, eventsMs: 30 * 24 * h });
    expect(parseDuration('48h', 'x')).toBe(48 * h);
  });

  it('refuses retention periods that are not durations or shorter than an hour', () => {
    const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--retain-raw', '48'], {}, /--retain-raw must be a duration such as 90m, 48h or 14d, got "48"/],
      [['--retain-minutes', '2w'], {}, /--retain-minutes must be a duration/],
      [['--retain-hours=-5d'], {}, /--retain-hours must be a duration/],
      [['--retain-events', '1.5d'], {}, /--retain-events must be a duration/],
      [['--retain-raw', '59m'], {}, /--retain-raw must be at least 1h, got "59m"/],
      [['--retain-raw', '0h'], {}, /at least 1h/],
      [['--retain-hours', '99999999999999999d'], {}, /--retain-hours must be a duration/],
      [[], { LAGEBILD_RETAIN_EVENTS: 'forever' }, /LAGEBILD_RETAIN_EVENTS must be a duration/],
    ];
    for (const [argv, env, message] of bad) {
      expect(() => parseCliArgs(argv, env), argv.join(' ')).toThrow(UsageError);
      expect(() => parseCliArgs(argv, env), argv.join(' ')).toThrow(message);
    }
  });

  it('takes the admission limits from --connect-rate and --connect-burst and refuses nonsense', () => {
    expect(serve(['--connect-rate', '50', '--connect-burst', '10'])).toMatchObject({
      connectRatePerSec: 50,
      connectBurst: 10,
    });
    expect(() => serve(['--connect-rate', '0'])).toThrow(/--connect-rate must be a whole number/);
    expect(() => serve(['--connect-burst', 'viele'])).toThrow(UsageError);
  });

  it('takes port, host, data, secret and log level from the environment', () => {
    const env = {
      LAGEBILD_PORT: '9000',
      LAGEBILD_HOST: '0.0.0.0',
      LAGEBILD_DATA: '/srv/lb',
      LAGEBILD_ENROLL_SECRET: 's3',
      LAGEBILD_LOG_LEVEL: 'warn',
    };
    expect(serve([], env)).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/srv/lb',
      enrollSecrets: ['s3'],
      logLevel: 'warn',
    });
  });

  it('lets flags win over environment variables', () => {
    expect(
      serve(['--port', '81', '--enroll-secret', 'a', '--enroll-secret', 'b'], {
        LAGEBILD_PORT: '9000',
        LAGEBILD_ENROLL_SECRET: 'env',
      }),
    ).toMatchObject({
      port: 81,
      enrollSecrets: ['a', 'b'],
    });
  });

  it('knows --help, -h, --version and -v', () => {
    expect(parseCliArgs(['--help']).kind).toBe('help');
    expect(parseCliArgs(['-h']).kind).toBe('help');
    expect(parseCliArgs(['--version']).kind).toBe('version');
    expect(parseCliArgs(['-v']).kind).toBe('version');
  });

  it('needs --tls-cert and --tls-key together', () => {
    expect(serve(['--tls-cert', 'c.pem', '--tls-key', 'k.pem']).tls).toEqual({
      certFile: resolve('c.pem'),
      keyFile: resolve('k.pem'),
    });
    expect(() => parseCliArgs(['--tls-cert', 'c.pem'])).toThrow(/--tls-cert and --tls-key/);
  });

  it('refuses unknown flags, stray arguments and bad values with a message', () => {
    const bad: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--prot', '1'], {}, /Unknown option '--prot'/],
      [['serve'], {}, /positional/i],
      [['--port', '70000'], {}, /--port must be a port number/],
      [['--port', '8o8o'], {}, /--port must be a port number/],
      [['--port'], {}, /argument missing/],
      [[], { LAGEBILD_PORT: 'http' }, /LAGEBILD_PORT must be a port number/],
      [['--log-level', 'loud'], {}, /--log-level must be one of/],
      [['--data', ''], {}, /--data must not be empty/],
    ];
    for (const [argv, env, message] of bad) {
      expect(() => parseCliArgs(argv, env), argv.join(' ')).toThrow(UsageError);
      expect(() => parseCliArgs(argv, env), argv.join(' ')).toThrow(message);
    }
  });
});
