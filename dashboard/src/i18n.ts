/** UI languages. German is the default; English is complete so the switch is only a setting. */
export type Lang = 'de' | 'en';

export const LANGS: readonly Lang[] = ['de', 'en'];
export const DEFAULT_LANG: Lang = 'de';

// Keys ending in `.one` / `.other` are plural forms picked by `plural()`.
const de = {
  'app.title': 'Lagebild',
  'app.skip': 'Zum Inhalt springen',
  'nav.label': 'Hauptnavigation',
  'nav.overview': 'Flottenübersicht',
  'lang.label': 'Sprache',
  'lang.de': 'Deutsch',
  'lang.en': 'Englisch',
  'conn.connecting': 'Verbindung wird aufgebaut …',
  'conn.live': 'Live',
  'conn.reconnecting': 'Verbindung wird wiederhergestellt …',
  'common.none': '–',
  'page.notFound': 'Diese Seite gibt es nicht.',
  'page.toOverview': 'Zur Flottenübersicht',

  'counts.label': 'Kennzahlen der Flotte',
  'counts.devices': 'Geräte',
  'counts.online': 'Online',
  'counts.vpnUp': 'VPN verbunden',
  'counts.vpnDegraded': 'VPN beeinträchtigt',
  'counts.vpnDown': 'VPN getrennt',
  'counts.keyPresent': 'Sicherheitsschlüssel vorhanden',
  'counts.share': '{pct} der Geräte',
  'counts.enrolled': 'registriert',

  'chart.title': 'Antwortzeiten der Fachverfahren',
  'chart.subtitle': 'Mittlere Antwortzeit je Minute, letzte 60 Minuten (Zeiten in Europe/Berlin)',
  'chart.empty': 'Noch keine Messwerte der Fachverfahren.',
  'chart.time': 'Zeit',
  'chart.unit': 'ms',
  'chart.loadError': 'Verlauf konnte nicht geladen werden; neue Messwerte erscheinen live.',

  'table.caption': 'Geräte',
  'table.filter': 'Filtern nach Hostname oder Seriennummer',
  'table.filterPlaceholder': 'z. B. NB-0042 oder 5CG…',
  'table.count.one': '{n} Gerät',
  'table.count.other': '{n} Geräte',
  'table.countOf': '{n} von {total}',
  'table.empty': 'Keine Geräte gefunden.',
  'table.hostname': 'Hostname',
  'table.serial': 'Seriennummer',
  'table.status': 'Status',
  'table.vpn': 'VPN',
  'table.gateway': 'Gateway',
  'table.securityKey': 'Sicherheitsschlüssel',
  'table.agentVersion': 'Agent-Version',
  'table.lastSeen': 'Zuletzt gesehen',
  'table.sortBy': 'Sortieren nach {column}',
  'table.pages': 'Seiten der Geräteliste',
  'table.page': 'Seite {page} von {pages}',
  'table.prev': 'Zurück',
  'table.next': 'Weiter',

  'status.online': 'Online',
  'status.offline': 'Offline',
  'vpn.up': 'Verbunden',
  'vpn.degraded': 'Beeinträchtigt',
  'vpn.down': 'Getrennt',
  'vpn.unknown': 'Unbekannt',
  'key.present': 'Vorhanden',
  'key.missing': 'Fehlt',
  'key.unavailable': 'Nicht erkennbar',
  'link.wifi': 'WLAN',
  'link.ethernet': 'LAN-Kabel',
  'link.mobile': 'Mobilfunk',
  'link.other': 'Andere',
  'link.none': 'Keine',

  'detail.back': 'Zurück zur Flottenübersicht',
  'detail.loading': 'Gerät wird geladen …',
  'detail.notFound': 'Dieses Gerät ist nicht bekannt.',
  'detail.error': 'Gerät konnte nicht geladen werden ({reason}).',
  'detail.serial': 'Seriennummer {serial}',
  'detail.contact': 'Verbindung zum Server',
  'detail.lastSeen': 'Letzter Kontakt',
  'detail.agentVersion': 'Agent-Version',
  'detail.os': 'Betriebssystem',
  'detail.vpn': 'VPN-Tunnel',
  'detail.vendor': 'VPN-Client',
  'detail.gateway': 'Gateway',
  'detail.since': 'Seit',
  'detail.rtt': 'Antwortzeit Gateway',
  'detail.flaps': 'Wechsel in der letzten Stunde',
  'detail.securityKey': 'Sicherheitsschlüssel',
  'detail.keyModel': 'Modell',
  'detail.health': 'Leistung',
  'detail.cpu': 'CPU-Last',
  'detail.memory': 'Arbeitsspeicher',
  'detail.link': 'Netzanbindung',
  'detail.wifiSignal': 'WLAN-Signal {pct}',
  'detail.battery': 'Akku',
  'detail.onAc': 'am Netzteil',
  'detail.onBattery': 'im Akkubetrieb',
  'detail.noHealth': 'Noch keine Leistungsdaten.',
  'detail.measuredAt': 'Gemessen',
  'os.windows': 'Windows',
  'os.macos': 'macOS',
  'os.linux': 'Linux',
  'os.other': 'Anderes',
  'detail.probes': 'Letzte Messungen der Fachverfahren',
  'detail.noProbes': 'Noch keine Messungen.',
  'detail.events': 'Letzte Ereignisse',
  'detail.noEvents': 'Keine Ereignisse.',

  'probe.app': 'Fachverfahren',
  'probe.result': 'Ergebnis',
  'probe.ok': 'OK',
  'probe.failed': 'Fehler: {reason}',
  'probe.dns': 'DNS',
  'probe.connect': 'Verbindung',
  'probe.tls': 'TLS',
  'probe.ttfb': 'Erstes Byte',
  'probe.total': 'Gesamt',
  'probe.time': 'Zeitpunkt',
  'probeError.dns': 'Namensauflösung',
  'probeError.dns-timeout': 'DNS antwortet nicht',
  'probeError.connect': 'Verbindungsaufbau',
  'probeError.refused': 'Verbindung abgelehnt',
  'probeError.connect-timeout': 'Verbindungsaufbau dauert zu lange',
  'probeError.tls': 'TLS',
  'probeError.cert-invalid': 'Zertifikat ungültig',
  'probeError.cert-expired': 'Zertifikat abgelaufen',
  'probeError.timeout': 'Zeitüberschreitung',
  'probeError.http-status': 'HTTP-Status',
  'probeError.body-mismatch': 'Unerwartete Antwort',
  'probeError.protocol': 'Protokoll',
  'probeError.other': 'Sonstiges',

  'event.time': 'Zeitpunkt',
  'event.kind': 'Ereignis',
  'event.change': 'Änderung',
  'event.detail': 'Details',
  'eventKind.vpn': 'VPN-Tunnel',
  'eventKind.securityKey': 'Sicherheitsschlüssel',
  'eventKind.online': 'Verbindung zum Server',
  'eventKind.probe': 'Fachverfahren',
  'eventKind.agent': 'Agent',
} as const;

/** Every key of the catalogue. */
export type MessageKey = keyof typeof de;

const en: Record<MessageKey, string> = {
  'app.title': 'Lagebild',
  'app.skip': 'Skip to content',
  'nav.label': 'Main navigation',
  'nav.overview': 'Fleet overview',
  'lang.label': 'Language',
  'lang.de': 'German',
  'lang.en': 'English',
  'conn.connecting': 'Connecting …',
  'conn.live': 'Live',
  'conn.reconnecting': 'Reconnecting …',
  'common.none': '–',
  'page.notFound': 'This page does not exist.',
  'page.toOverview': 'To the fleet overview',

  'counts.label': 'Fleet figures',
  'counts.devices': 'Devices',
  'counts.online': 'Online',
  'counts.vpnUp': 'VPN connected',
  'counts.vpnDegraded': 'VPN degraded',
  'counts.vpnDown': 'VPN disconnected',
  'counts.keyPresent': 'Security key present',
  'counts.share': '{pct} of devices',
  'counts.enrolled': 'enrolled',

  'chart.title': 'Business application response times',
  'chart.subtitle': 'Mean response time per minute, last 60 minutes (times in Europe/Berlin)',
  'chart.empty': 'No application measurements yet.',
  'chart.time': 'Time',
  'chart.unit': 'ms',
  'chart.loadError': 'History could not be loaded; new measurements appear live.',

  'table.caption': 'Devices',
  'table.filter': 'Filter by hostname or serial number',
  'table.filterPlaceholder': 'e.g. NB-0042 or 5CG…',
  'table.count.one': '{n} device',
  'table.count.other': '{n} devices',
  'table.countOf': '{n} of {total}',
  'table.empty': 'No devices found.',
  'table.hostname': 'Hostname',
  'table.serial': 'Serial number',
  'table.status': 'Status',
  'table.vpn': 'VPN',
  'table.gateway': 'Gateway',
  'table.securityKey': 'Security key',
  'table.agentVersion': 'Agent version',
  'table.lastSeen': 'Last seen',
  'table.sortBy': 'Sort by {column}',
  'table.pages': 'Device list pages',
  'table.page': 'Page {page} of {pages}',
  'table.prev': 'Previous',
  'table.next': 'Next',

  'status.online': 'Online',
  'status.offline': 'Offline',
  'vpn.up': 'Connected',
  'vpn.degraded': 'Degraded',
  'vpn.down': 'Disconnected',
  'vpn.unknown': 'Unknown',
  'key.present': 'Present',
  'key.missing': 'Missing',
  'key.unavailable': 'Not detectable',
  'link.wifi': 'Wi-Fi',
  'link.ethernet': 'Ethernet',
  'link.mobile': 'Mobile',
  'link.other': 'Other',
  'link.none': 'None',

  'detail.back': 'Back to the fleet overview',
  'detail.loading': 'Loading device …',
  'detail.notFound': 'This device is not known.',
  'detail.error': 'The device could not be loaded ({reason}).',
  'detail.serial': 'Serial number {serial}',
  'detail.contact': 'Connection to the server',
  'detail.lastSeen': 'Last contact',
  'detail.agentVersion': 'Agent version',
  'detail.os': 'Operating system',
  'detail.vpn': 'VPN tunnel',
  'detail.vendor': 'VPN client',
  'detail.gateway': 'Gateway',
  'detail.since': 'Since',
  'detail.rtt': 'Gateway round trip',
  'detail.flaps': 'Changes in the last hour',
  'detail.securityKey': 'Security key',
  'detail.keyModel': 'Model',
  'detail.health': 'Performance',
  'detail.cpu': 'CPU load',
  'detail.memory': 'Memory',
  'detail.link': 'Network link',
  'detail.wifiSignal': 'Wi-Fi signal {pct}',
  'detail.battery': 'Battery',
  'detail.onAc': 'on AC power',
  'detail.onBattery': 'on battery',
  'detail.noHealth': 'No performance data yet.',
  'detail.measuredAt': 'Measured',
  'os.windows': 'Windows',
  'os.macos': 'macOS',
  'os.linux': 'Linux',
  'os.other': 'Other',
  'detail.probes': 'Latest business application probes',
  'detail.noProbes': 'No probes yet.',
  'detail.events': 'Recent events',
  'detail.noEvents': 'No events.',

  'probe.app': 'Application',
  'probe.result': 'Result',
  'probe.ok': 'OK',
  'probe.failed': 'Failed: {reason}',
  'probe.dns': 'DNS',
  'probe.connect': 'Connect',
  'probe.tls': 'TLS',
  'probe.ttfb': 'First byte',
  'probe.total': 'Total',
  'probe.time': 'Time',
  'probeError.dns': 'name resolution',
  'probeError.dns-timeout': 'DNS does not answer',
  'probeError.connect': 'connect',
  'probeError.refused': 'connection refused',
  'probeError.connect-timeout': 'connect takes too long',
  'probeError.tls': 'TLS',
  'probeError.cert-invalid': 'certificate invalid',
  'probeError.cert-expired': 'certificate expired',
  'probeError.timeout': 'timeout',
  'probeError.http-status': 'HTTP status',
  'probeError.body-mismatch': 'unexpected answer',
  'probeError.protocol': 'protocol',
  'probeError.other': 'other',

  'event.time': 'Time',
  'event.kind': 'Event',
  'event.change': 'Change',
  'event.detail': 'Details',
  'eventKind.vpn': 'VPN tunnel',
  'eventKind.securityKey': 'Security key',
  'eventKind.online': 'Connection to the server',
  'eventKind.probe': 'Business application',
  'eventKind.agent': 'Agent',
};

const CATALOGUE: Record<Lang, Record<MessageKey, string>> = { de, en };

/** Values substituted for `{name}` placeholders. */
export type MessageVars = Record<string, string | number>;

/** Keys that have `.one` / `.other` plural forms, without the suffix. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}.other` ? Base : never) : never;

/** Looks up a message and fills its `{placeholders}`; unknown placeholders stay visible. */
export function translate(lang: Lang, key: MessageKey, vars?: MessageVars): string {
  const text = CATALOGUE[lang][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

const pluralRules = new Map<Lang, Intl.PluralRules>();

/** Picks the plural form for `n`; `{n}` is filled with `shown` (e.g. a grouped number) or `n`. */
export function plural(lang: Lang, key: PluralKey, n: number, shown?: string): string {
  let rules = pluralRules.get(lang);
  if (!rules) {
    rules = new Intl.PluralRules(lang);
    pluralRules.set(lang, rules);
  }
  const form = rules.select(n) === 'one' ? 'one' : 'other';
  return translate(lang, `${key}.${form}` as MessageKey, { n: shown ?? n });
}

/** A translate function bound to one language, for components. */
export type Translate = (key: MessageKey, vars?: MessageVars) => string;

const translators: Record<Lang, Translate> = {
  de: (key, vars) => translate('de', key, vars),
  en: (key, vars) => translate('en', key, vars),
};

/** `translate` bound to a language; the same function every time, so it is safe in effect deps. */
export function translator(lang: Lang): Translate {
  return translators[lang];
}

/** Reads a language tag (e.g. from storage or navigator.language) into a supported language. */
export function parseLang(value: string | null | undefined): Lang | null {
  const base = value?.toLowerCase().split('-')[0];
  return base === 'de' || base === 'en' ? base : null;
}
