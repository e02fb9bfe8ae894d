import { existsSync, readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from './fs-atomic.js';
import type { AgentState } from './state.js';
import { normalizeFingerprint, type ServerTrust } from './tls-trust.js';

const FILE = 'server-pins.json';

/**
 * The fingerprints the admin pinned, kept beside `credentials.json` from enrollment on: a later start
 * whose config names no trust (lost config file, missing flag) still refuses a foreign server.
 * Nothing is pinned that was not configured (no trust on first use).
 */
export function savePins(state: AgentState, serverUrl: string, fingerprints: string[] | undefined): void {
  const file = state.path(FILE);
  if (!fingerprints || fingerprints.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  writeFileAtomic(file, `${JSON.stringify({ serverUrl, fingerprints }, null, 2)}\n`, 0o600);
}

/** The pins stored for this server URL, or undefined (none, another server, or an unreadable file). */
export function storedPins(state: AgentState, serverUrl: string): string[] | undefined {
  const file = state.path(FILE);
  if (!existsSync(file)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { serverUrl?: unknown; fingerprints?: unknown };
    if (raw.serverUrl !== serverUrl || !Array.isArray(raw.fingerprints)) return undefined;
    return raw.fingerprints.map((f) => normalizeFingerprint(String(f)));
  } catch {
    return undefined;
  }
}

/** The configured trust when it names any; else the pins stored at enrollment for this server. */
export function effectiveTrust(configured: ServerTrust, state: AgentState, serverUrl: string): ServerTrust {
  if (configured.ca || configured.fingerprints) return configured;
  const pins = storedPins(state, serverUrl);
  return pins ? { fingerprints: pins } : configured;
}
