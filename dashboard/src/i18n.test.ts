import { describe, expect, it } from 'vitest';
import { parseLang, plural, translate } from './i18n.js';

describe('the message catalogue', () => {
  it('speaks German by default labels and English when asked', () => {
    expect(translate('de', 'nav.overview')).toBe('Flottenübersicht');
    expect(translate('en', 'nav.overview')).toBe('Fleet overview');
    expect(translate('de', 'conn.reconnecting')).toBe('Verbindung wird wiederhergestellt …');
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('de', 'table.page', { page: 2, pages: 20 })).toBe('Seite 2 von 20');
    expect(translate('de', 'table.page', { page: 2 })).toBe('Seite 2 von {pages}');
  });

  it('counts devices with the right plural', () => {
    expect(plural('de', 'table.count', 1)).toBe('1 Gerät');
    expect(plural('de', 'table.count', 2000, '2.000')).toBe('2.000 Geräte');
    expect(plural('en', 'table.count', 1)).toBe('1 device');
    expect(plural('de', 'table.count', 0)).toBe('0 Geräte');
  });

  it('reads stored or browser language tags', () => {
    expect(parseLang('en-GB')).toBe('en');
    expect(parseLang('DE')).toBe('de');
    expect(parseLang('fr')).toBeNull();
    expect(parseLang(null)).toBeNull();
  });
});
