import type { DeviceDetail } from '@lagebild/shared';
import type { ComponentChildren } from 'preact';
import { formatAgo, formatMegabytes, formatSignal, formatSince } from '../device-format.js';
import { formatDateTime, formatMs, formatPct, linkLabel, osLabel } from '../format.js';
import type { Lang, Translate } from '../i18n.js';
import { KeyBadge, StatusBadge, VpnBadge } from './badges.js';

function Fact({ label, children, testId }: { label: string; children: ComponentChildren; testId?: string }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

function Card({ title, children, testId }: { title: string; children: ComponentChildren; testId?: string }) {
  return (
    <section class="card state-card" data-testid={testId}>
      <h2>{title}</h2>
      <dl class="facts">{children}</dl>
    </section>
  );
}

/**
 * A point in time as people ask for it ("seit 12 Min.", "vor 3 Min."), with the exact Berlin time on
 * hover and for screen readers.
 */
export function RelativeTime({
  ts,
  text,
  lang,
  none,
}: {
  ts: number | null | undefined;
  text: string;
  lang: Lang;
  none: string;
}) {
  if (ts === null || ts === undefined) return <>{none}</>;
  const exact = formatDateTime(ts, lang);
  return (
    <time dateTime={new Date(ts).toISOString()} title={exact} class="rel-time">
      {text}
      <span class="visually-hidden"> ({exact})</span>
    </time>
  );
}

/** The device's current state as cards: connection, VPN, key, network, power, load. */
export function DeviceCards({
  device: d,
  now,
  lang,
  t,
}: {
  device: DeviceDetail;
  now: number;
  lang: Lang;
  t: Translate;
}) {
  const none = t('common.none');
  const h = d.health;
  const keyModel =
    d.securityKey.model ?? (d.securityKeys.map((k) => k.model ?? k.product).join(', ') || none);
  const interfaces = [...new Set(d.securityKeys.flatMap((k) => k.interfaces))].join(', ');
  const rel = (ts: number | null | undefined, text: (ts: number) => string) => (
    <RelativeTime ts={ts} text={ts == null ? none : text(ts)} lang={lang} none={none} />
  );
  const since = (ts: number | null | undefined) => rel(ts, (v) => formatSince(v, now, lang));
  const ago = (ts: number | null | undefined) => rel(ts, (v) => formatAgo(v, now, lang));

  let power = none;
  if (h && (h.batteryPct != null || h.onAc != null)) {
    const parts: string[] = [];
    if (h.batteryPct != null) parts.push(formatPct(h.batteryPct, lang));
    if (h.onAc != null)
      parts.push(t(h.onAc ? (h.charging ? 'device.charging' : 'detail.onAc') : 'detail.onBattery'));
    power = parts.join(' · ');
  } else if (h) power = t('device.noBattery');

  return (
    <div class="state-cards device-cards" data-testid="device-cards">
      <Card title={t('detail.contact')} testId="card-contact">
        <Fact label={t('table.status')} testId="detail-status">
          <StatusBadge online={d.online} lang={lang} />
        </Fact>
        <Fact label={t('detail.lastSeen')} testId="detail-last-seen">
          {ago(d.lastSeen)}
        </Fact>
        <Fact label={t('detail.agentVersion')}>{d.agentVersion ?? none}</Fact>
        <Fact label={t('detail.os')}>{osLabel(d.os, d.osVersion, d.identity.osBuild, lang)}</Fact>
      </Card>
      <Card title={t('detail.vpn')} testId="card-vpn">
        <Fact label={t('table.status')} testId="detail-vpn">
          <VpnBadge state={d.vpn.state} lang={lang} />
        </Fact>
        <Fact label={t('detail.since')} testId="detail-vpn-since">
          {since(d.vpn.since)}
        </Fact>
        <Fact label={t('detail.vendor')}>{d.vpn.vendor ?? none}</Fact>
        <Fact label={t('detail.gateway')}>{d.vpn.gateway ?? none}</Fact>
        <Fact label={t('detail.rtt')} testId="detail-rtt">
          {formatMs(d.vpnDetail.gatewayRttMs, lang)}
        </Fact>
        <Fact label={t('detail.flaps')}>{d.vpnDetail.changesLastHour ?? none}</Fact>
      </Card>
      <Card title={t('detail.securityKey')} testId="card-key">
        <Fact label={t('table.status')} testId="detail-key">
          <KeyBadge present={d.securityKey.present} lang={lang} />
        </Fact>
        <Fact label={t('detail.keyModel')}>{keyModel}</Fact>
        <Fact label={t('device.interfaces')}>{interfaces || none}</Fact>
      </Card>
      <Card title={t('device.network')} testId="card-network">
        <Fact label={t('detail.link')}>{h ? linkLabel(h.link, lang) : none}</Fact>
        <Fact label={t('device.signal')} testId="detail-signal">
          {h && h.link === 'wifi' ? formatSignal(h.wifiSignalPct, h.wifiSignalDbm, lang) : none}
        </Fact>
        <Fact label={t('device.linkSpeed')}>
          {h?.linkSpeedMbps != null ? t('device.mbps', { v: Math.round(h.linkSpeedMbps) }) : none}
        </Fact>
      </Card>
      <Card title={t('detail.health')} testId="card-health">
        <Fact label={t('detail.cpu')} testId="detail-cpu">
          {h ? formatPct(h.cpuPct, lang) : none}
        </Fact>
        <Fact label={t('detail.memory')}>
          {h
            ? h.memTotalMb != null
              ? t('device.memOf', {
                  pct: formatPct(h.memPct, lang),
                  total: formatMegabytes(h.memTotalMb, lang),
                })
              : formatPct(h.memPct, lang)
            : none}
        </Fact>
        <Fact label={t('detail.battery')} testId="detail-battery">
          {power}
        </Fact>
        <Fact label={t('detail.measuredAt')}>{ago(h?.ts)}</Fact>
      </Card>
    </div>
  );
}
