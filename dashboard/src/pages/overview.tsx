import { CountCards } from '../components/count-cards.js';
import { DeviceTable } from '../components/device-table.js';
import { HealthGrid } from '../components/health-grid.js';
import { LatencyChart } from '../components/latency-chart.js';
import { useLang, useNow } from '../hooks.js';
import type { DashboardState } from '../state.js';

/** Flottenübersicht: headline counts, application latency chart and the device table. */
export function OverviewPage({ state, latencyFailed }: { state: DashboardState; latencyFailed: boolean }) {
  const [, t] = useLang();
  // ages "last seen" and slides the chart even when nothing arrives
  const now = useNow(15_000);
  return (
    <>
      <h1>{t('nav.overview')}</h1>
      <CountCards fleet={state.fleet} />
      <LatencyChart latency={state.latency} now={now + state.clockOffsetMs} loadFailed={latencyFailed} />
      <HealthGrid latency={state.latency} snapshots={state.snapshots} />
      <DeviceTable devices={state.devices} now={now + state.clockOffsetMs} />
    </>
  );
}
