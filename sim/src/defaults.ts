import type { Intervals } from '@lagebild/shared';

/** A Fachverfahren the simulated notebooks probe when the server has not pushed a config. */
export interface SimProbe {
  /** lowercase ASCII id, e.g. `bauportal` */
  id: string;
  /** display name, e.g. `Bauportal` */
  app: string;
}

/** Typical German municipal Fachverfahren; server-side medians differ per application. */
export const DEFAULT_PROBES: readonly SimProbe[] = [
  { id: 'standesamt', app: 'Standesamt (OK.STA)' },
  { id: 'bauportal', app: 'Bauportal' },
  { id: 'einwohnermeldewesen', app: 'Einwohnermeldewesen (OK.EWO)' },
  { id: 'finanzwesen', app: 'Finanzwesen (SAP)' },
  { id: 'sozialamt', app: 'Sozialamt (OPEN/PROSOZ)' },
  { id: 'gis', app: 'GIS' },
  { id: 'e-akte', app: 'E-Akte' },
  { id: 'ratsinfo', app: 'Ratsinformationssystem' },
];

/** Median server-side time (ms) of the default applications; others get a stable value from their id. */
export const APP_MEDIAN_MS: Readonly<Record<string, number>> = {
  standesamt: 120,
  bauportal: 170,
  einwohnermeldewesen: 140,
  finanzwesen: 320,
  sozialamt: 210,
  gis: 260,
  'e-akte': 150,
  ratsinfo: 95,
};

export const DEFAULT_GATEWAYS: readonly string[] = [
  'vpn-gw-1.stadt.internal',
  'vpn-gw-2.stadt.internal',
  'vpn-gw-3.stadt.internal',
];

/** The application that is slow behind the slow gateway (the pattern the dashboard should reveal). */
export const DEFAULT_SLOW_APP = 'bauportal';

/** Intervals used until the server pushes a config (simulated seconds). */
export const DEFAULT_INTERVALS: Intervals = { healthSec: 60, vpnSec: 10, securityKeySec: 5 };
export const DEFAULT_PROBE_INTERVAL_SEC = 60;
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
/** State heartbeat period when the server's welcome does not say otherwise. */
export const DEFAULT_HEARTBEAT_SEC = 60;

export const SIM_AGENT_VERSION = '0.1.0-sim';
