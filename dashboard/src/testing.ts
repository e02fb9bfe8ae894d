import type { DeviceSummary, FleetCounts } from '@lagebild/shared';

// Builders for unit tests: realistic objects with only the interesting fields spelled out.

/** A device as the server summarises it; online, VPN up, key present unless overridden. */
export function device(id: string, overrides: Partial<DeviceSummary> = {}): DeviceSummary {
  return {
    id,
    hostname: `NB-${id}`,
    serial: `SN${id}`,
    os: 'windows',
    osVersion: '11',
    agentVersion: '0.1.0',
    online: true,
    lastSeen: Date.UTC(2024, 6, 1, 12),
    vpn: { state: 'up', vendor: 'WireGuard', gateway: 'vpn1.stadt.example', since: Date.UTC(2024, 6, 1, 8) },
    securityKey: { present: true, model: 'YubiKey 5 NFC' },
    site: null,
    orgUnit: null,
    ...overrides,
  };
}

/** Fleet counts with everything zero unless given. */
export function fleet(overrides: Partial<FleetCounts> = {}): FleetCounts {
  return {
    devices: 0,
    online: 0,
    vpn: { up: 0, degraded: 0, down: 0, unknown: 0 },
    securityKeyPresent: 0,
    at: Date.UTC(2024, 6, 1, 12),
    ...overrides,
  };
}
