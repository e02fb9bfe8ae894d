import { ProbeErrorClass, type ProbeErrorClass as ProbeErrorClassT } from '@lagebild/shared';
import { describe, expect, it } from 'vitest';
import {
  berlinDay,
  eventValueLabel,
  formatCount,
  formatDateTime,
  formatDay,
  formatLastSeen,
  formatMs,
  formatPct,
  formatShare,
  formatTime,
  linkLabel,
  onlineLabel,
  osLabel,
  probeErrorLabel,
  securityKeyLabel,
  vpnStateLabel,
} from './format.js';

describe('times on screen', () => {
  it('are shown in Europe/Berlin summer time (UTC+2)', () => {
    const noonUtc = Date.UTC(2024, 6, 1, 12, 0, 0);
    expect(formatTime(noonUtc, 'de')).toBe('14:00:00');
    expect(formatDateTime(noonUtc, 'de')).toBe('01.07.2024, 14:00:00');
  });

  it('are shown in Europe/Berlin winter time (UTC+1)', () => {
    expect(formatTime(Date.UTC(2024, 0, 15, 12, 30, 5), 'de')).toBe('13:30:05');
  });

  it('put a late-evening UTC time on the next Berlin day', () => {
    expect(berlinDay(Date.UTC(2024, 6, 1, 22, 30))).toBe('2024-07-02');
    expect(berlinDay(Date.UTC(2024, 6, 1, 21, 30))).toBe('2024-07-01');
  });

  it('show only the time for a device last seen today, and the date otherwise', () => {
    const now = Date.UTC(2024, 6, 1, 15, 0);
    expect(formatLastSeen(Date.UTC(2024, 6, 1, 14, 59, 30), now, 'de')).toBe('16:59:30');
    expect(formatLastSeen(Date.UTC(2024, 5, 30, 9, 0), now, 'de')).toBe('30.06.2024, 11:00:00');
    expect(formatLastSeen(null, now, 'de')).toBe('–');
  });

  it('show day and month of a Berlin day for axes over several days', () => {
    expect(formatDay(Date.UTC(2024, 6, 1, 22, 30), 'de')).toBe('02.07.');
    expect(formatDay(Date.UTC(2024, 6, 1, 12, 0), 'en')).toBe('01/07');
  });

  it('use the 24-hour clock in English too', () => {
    expect(formatTime(Date.UTC(2024, 6, 1, 13, 5, 0), 'en')).toBe('15:05:00');
  });
});

describe('numbers on screen', () => {
  it('group thousands the German way', () => {
    expect(formatCount(2000, 'de')).toBe('2.000');
    expect(formatCount(2000, 'en')).toBe('2,000');
  });

  it('show milliseconds with a decimal only when small', () => {
    expect(formatMs(4.26, 'de')).toBe('4,3 ms');
    expect(formatMs(1234.4, 'de')).toBe('1.234 ms');
    expect(formatMs(null, 'de')).toBe('–');
    expect(formatMs(undefined, 'de')).toBe('–');
  });

  it('show percentages with the German space before the sign', () => {
    expect(formatPct(42, 'de')).toBe('42\u00a0%');
    expect(formatPct(42, 'en')).toBe('42%');
  });

  it('show error rates with one decimal, so a small rate is not rounded away', () => {
    expect(formatShare(0.123, 'de')).toBe('12,3\u00a0%');
    expect(formatShare(0.004, 'de')).toBe('0,4\u00a0%');
    expect(formatShare(0.123, 'en')).toBe('12.3%');
    expect(formatShare(null, 'de')).toBe('–');
  });

  it('group thousands in milliseconds', () => {
    expect(formatMs(12_345.6, 'de')).toBe('12.346 ms');
    expect(formatMs(12_345.6, 'en')).toBe('12,346 ms');
  });
});

describe('state labels', () => {
  it('name VPN states in German', () => {
    expect(vpnStateLabel('up', 'de')).toBe('Verbunden');
    expect(vpnStateLabel('degraded', 'de')).toBe('Beeinträchtigt');
    expect(vpnStateLabel('down', 'de')).toBe('Getrennt');
    expect(vpnStateLabel('unknown', 'de')).toBe('Unbekannt');
  });

  it('name VPN states in English when switched', () => {
    expect(vpnStateLabel('down', 'en')).toBe('Disconnected');
  });

  it('tell a missing security key from one the agent cannot see', () => {
    expect(securityKeyLabel(true, 'de')).toBe('Vorhanden');
    expect(securityKeyLabel(false, 'de')).toBe('Fehlt');
    expect(securityKeyLabel(null, 'de')).toBe('Nicht erkennbar');
  });

  it('name online state, link type and probe failures', () => {
    expect(onlineLabel(true, 'de')).toBe('Online');
    expect(onlineLabel(false, 'de')).toBe('Offline');
    expect(linkLabel('wifi', 'de')).toBe('WLAN');
    expect(probeErrorLabel('timeout', 'de')).toBe('Zeitüberschreitung');
    expect(probeErrorLabel(null, 'de')).toBe('Sonstiges');
  });

  it('have a German and an English label for every probe error class of the protocol', () => {
    const classes = (ProbeErrorClass as unknown as { anyOf: { const: ProbeErrorClassT }[] }).anyOf.map(
      (s) => s.const,
    );
    expect(classes.length).toBeGreaterThan(10);
    for (const c of classes) {
      for (const lang of ['de', 'en'] as const) {
        const label = probeErrorLabel(c, lang);
        expect(label, `${lang} ${c}`).not.toMatch(/^probeError\./);
        expect(label.length, `${lang} ${c}`).toBeGreaterThan(2);
      }
    }
  });

  it('translate known event states and pass unknown ones through', () => {
    expect(eventValueLabel('down', 'de')).toBe('Getrennt');
    expect(eventValueLabel('offline', 'de')).toBe('Offline');
    expect(eventValueLabel('YubiKey 5', 'de')).toBe('YubiKey 5');
    expect(eventValueLabel(null, 'de')).toBe('–');
  });
});

describe('operating systems', () => {
  it('are named properly with version and build', () => {
    expect(osLabel('windows', '11 23H2', '22631.3447', 'de')).toBe('Windows 11 23H2 (22631.3447)');
    expect(osLabel('macos', '14.5', null, 'de')).toBe('macOS 14.5');
    expect(osLabel('other', null, null, 'de')).toBe('Anderes');
    expect(osLabel(null, null, null, 'de')).toBe('–');
  });
});
