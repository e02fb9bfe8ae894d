import { describe, expect, it } from 'vitest';
import {
  appPath,
  appsPath,
  devicePath,
  devicesPath,
  parseAppQuery,
  parseDevicesQuery,
  parseRoute,
  settingsPath,
} from './routes.js';

describe('routes', () => {
  it('show the settings at /einstellungen and nothing below it', () => {
    expect(parseRoute(settingsPath())).toEqual({ name: 'settings' });
    expect(parseRoute('/einstellungen/')).toEqual({ name: 'settings' });
    expect(parseRoute('/einstellungen/benutzer')).toEqual({ name: 'notFound' });
  });

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

  it('show the device search at /geraete and the Fachverfahren at /fachverfahren', () => {
    expect(parseRoute('/geraete')).toEqual({ name: 'devices' });
    expect(parseRoute('/geraete/')).toEqual({ name: 'devices' });
    expect(parseRoute('/fachverfahren')).toEqual({ name: 'apps' });
    expect(parseRoute('/fachverfahren/')).toEqual({ name: 'apps' });
  });

  it('show one Fachverfahren at /fachverfahren/<app>, names with spaces and slashes included', () => {
    const app = 'Sozialamt (OPEN/PROSOZ)';
    expect(appPath(app)).toBe('/fachverfahren/Sozialamt%20(OPEN%2FPROSOZ)');
    expect(parseRoute(appPath(app).split('?')[0]!)).toEqual({ name: 'app', app });
  });

  it('know nothing else', () => {
    expect(parseRoute('/geraete/a/b')).toEqual({ name: 'notFound' });
    expect(parseRoute('/geraete/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(parseRoute('/fachverfahren/a/b')).toEqual({ name: 'notFound' });
    expect(parseRoute('/fachverfahren/%E0%A4%A')).toEqual({ name: 'notFound' });
    expect(parseRoute('/geraetex')).toEqual({ name: 'notFound' });
    expect(parseRoute('/admin')).toEqual({ name: 'notFound' });
  });
});

describe('the device search URL', () => {
  it('keeps the search text and page, leaving defaults out', () => {
    expect(devicesPath()).toBe('/geraete');
    expect(devicesPath({ q: 'NB 0042', page: 1 })).toBe('/geraete?q=NB+0042');
    expect(devicesPath({ q: 'x', page: 3 })).toBe('/geraete?q=x&seite=3');
    expect(parseDevicesQuery('?q=NB+0042&seite=3')).toEqual({ q: 'NB 0042', page: 3 });
  });

  it('reads a missing or broken page as page 1', () => {
    expect(parseDevicesQuery('')).toEqual({ q: '', page: 1 });
    expect(parseDevicesQuery('?seite=0')).toEqual({ q: '', page: 1 });
    expect(parseDevicesQuery('?seite=zwei')).toEqual({ q: '', page: 1 });
    expect(parseDevicesQuery('?seite=1.5')).toEqual({ q: '', page: 1 });
  });
});

describe('the Fachverfahren URLs', () => {
  it('default to 24 hours broken down by VPN gateway for the whole fleet', () => {
    expect(parseAppQuery('')).toEqual({ range: '24h', groupBy: 'gateway', group: null });
    expect(appsPath()).toBe('/fachverfahren');
    expect(appsPath('7d')).toBe('/fachverfahren?zeitraum=7d');
  });

  it('round-trip range, grouping and a group filter, the empty group (no value) included', () => {
    for (const query of [
      { range: '1h', groupBy: 'site', group: 'Rathaus Süd' },
      { range: '30d', groupBy: 'orgUnit', group: '' },
      { range: '24h', groupBy: 'gateway', group: 'vpn-gw-2.stadt.internal' },
      { range: '7d', groupBy: 'gateway', group: null },
    ] as const) {
      const path = appPath('Bauportal', query);
      const [pathname, search = ''] = path.split('?');
      expect(parseRoute(pathname!)).toEqual({ name: 'app', app: 'Bauportal' });
      expect(parseAppQuery(search)).toEqual(query);
    }
  });

  it('fall back to the defaults for values it does not know', () => {
    expect(parseAppQuery('?zeitraum=2y&gruppierung=device')).toEqual({
      range: '24h',
      groupBy: 'gateway',
      group: null,
    });
  });
});
