import { describe, expect, it } from 'vitest';
import { devicePath, parseRoute } from './routes.js';

describe('routes', () => {
  it('show the overview at the root', () => {
    expect(parseRoute('/')).toEqual({ name: 'overview' });
  });

  it('show a device at /geraete/<id>, with or without a trailing slash', () => {
    expect(parseRoute('/geraete/dev_42')).toEqual({ name: 'device', id: 'dev_42' });
    expect(parseRoute('/geraete/dev_42/')).toEqual({ name: 'device', id: 'dev_42' });
  });

  it('round-trip device ids that need escaping', () => {
    const id = 'a b/ü';
    expect(devicePath(id)).toBe('/geraete/a%20b%2F%C3%BC');
    expect(parseRoute(devicePath(id))).toEqual({ name: 'device', id });
  });

  it('know nothing else', () => {
    expect(parseRoute('/geraete/')).toEqual({ name: 'notFound' });
    expect(parseRoute('/geraete/a/b')).toEqual({ name: 'notFound' });
    expect(parseRoute('/geraete/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(parseRoute('/admin')).toEqual({ name: 'notFound' });
  });
});
