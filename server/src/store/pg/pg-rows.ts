import { summaryColumns } from '../device-rows.js';

// The select lists that give PostgreSQL device rows the exact shape SQLite returns (device-rows.ts
// DeviceRow: flags as 1/0, bigints as numbers through the pool's int8 parser), so both engines share
// one row → API mapping.

/** Every devices column, booleans as 1/0/null. */
export const DEVICE_COLUMNS = `id, hardware_id, token_hash, enrolled_at, hostname, serial, os, os_version, os_build,
  manufacturer, model, agent_version, online::int AS online, last_seen, last_seq, vpn_state, vpn_vendor,
  vpn_interface, vpn_gateway, vpn_addresses, vpn_since, vpn_rtt, vpn_changes,
  vpn_gateway_reachable::int AS vpn_gateway_reachable, vpn_routes, key_available::int AS key_available,
  key_present::int AS key_present, keys_json, capabilities_json, health_json, health_ts, revoked_at, site,
  org_unit, num, probes_json`;

/** The columns of a SummaryRow, booleans as 1/0/null. */
export const SUMMARY_COLUMNS = summaryColumns((c) => `${c}::int AS ${c}`);

/** A 1/0/null flag of a DeviceRow as the boolean column stores it. */
export const toBool = (flag: number | null): boolean | null => (flag === null ? null : flag === 1);
