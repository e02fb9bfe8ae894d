import {
  ENROLL_PATH,
  type EnrollRequest,
  type EnrollResponse,
  ERRORS,
  type ErrorCode,
  LagebildError,
  PROTOCOL_VERSION,
} from '@lagebild/shared';
import type { AgentState, Credentials } from './state.js';
import { trustedFetch } from './tls-fetch.js';
import { savePins } from './tls-pins.js';
import { type ServerTrust, ServerUntrusted } from './tls-trust.js';

/** Resolves a path below the server URL (which may itself have a path, behind a reverse proxy). */
export function serverEndpoint(serverUrl: string, path: string, websocket = false): string {
  const base = new URL(serverUrl.endsWith('/') ? serverUrl : `${serverUrl}/`);
  const url = new URL(path.replace(/^\//, ''), base);
  if (websocket)
    url.protocol = url.protocol === 'https:' ? 'wss:' : url.protocol === 'http:' ? 'ws:' : url.protocol;
  return url.toString();
}

/** The server URL in one spelling, so stored credentials match it. */
export function normalizeServerUrl(serverUrl: string): string {
  const url = new URL(serverUrl);
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
    throw new Error(`server URL must start with http://, https://, ws:// or wss://, got ${serverUrl}`);
  }
  return url.toString().replace(/\/+$/, '');
}

export interface EnrollOptions {
  serverUrl: string;
  secret: string;
  hardwareId: string;
  hostname: string;
  fetch?: typeof fetch;
  /** how https:// is verified (CA file, pinned fingerprints); default: the bundled root CAs */
  trust?: ServerTrust;
  timeoutMs?: number;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERRORS;
}

/** POST /v1/enroll: trades the enrollment secret for a device id and token. */
export async function enroll(options: EnrollOptions): Promise<Credentials> {
  const doFetch = options.fetch ?? trustedFetch(options.trust ?? {});
  const body: EnrollRequest = {
    secret: options.secret,
    hardwareId: options.hardwareId,
    hostname: options.hostname.slice(0, 255),
    protocol: PROTOCOL_VERSION,
  };
  const url = serverEndpoint(options.serverUrl, ENROLL_PATH).replace(/^ws/, 'http');
  const res = await doFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  }).catch((e: Error & { cause?: { code?: string; message?: string } }) => {
    // the secret was not sent: say so plainly, it is not a network problem
    if (e instanceof ServerUntrusted) throw e;
    // fetch says only "fetch failed"; the cause names the network error
    throw new Error(`cannot reach ${url}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
  });
  const json = (await res.json().catch(() => null)) as Partial<EnrollResponse> & {
    code?: unknown;
    message?: unknown;
  };
  if (!res.ok) {
    if (isErrorCode(json?.code)) throw new LagebildError(json.code);
    throw new Error(
      `enrollment failed: HTTP ${res.status}${typeof json?.message === 'string' ? ` ${json.message}` : ''}`,
    );
  }
  if (typeof json?.deviceId !== 'string' || typeof json.token !== 'string') {
    throw new Error('enrollment answer has no device id and token');
  }
  return { serverUrl: normalizeServerUrl(options.serverUrl), deviceId: json.deviceId, token: json.token };
}

/** Enrollment is needed but no secret was given: a configuration problem, not worth retrying. */
export class EnrollSecretMissing extends Error {
  override readonly name = 'EnrollSecretMissing';
}

export interface EnsureEnrolledOptions {
  state: AgentState;
  serverUrl: string;
  secret?: string;
  /** reads hardware id and host name only when enrollment is needed */
  device: () => Promise<{ hardwareId: string; hostname: string }>;
  fetch?: typeof fetch;
  /** how https:// is verified; pinned fingerprints are stored with the new credentials */
  trust?: ServerTrust;
  /** enroll again even if credentials exist (after the server refused them) */
  force?: boolean;
}

/** Returns stored credentials for this server, or enrolls and stores new ones. */
export async function ensureEnrolled(
  o: EnsureEnrolledOptions,
): Promise<{ credentials: Credentials; enrolled: boolean }> {
  const serverUrl = normalizeServerUrl(o.serverUrl);
  const stored = o.state.credentials();
  if (stored && stored.serverUrl === serverUrl && !o.force) return { credentials: stored, enrolled: false };
  if (!o.secret) {
    throw new EnrollSecretMissing(
      stored && !o.force
        ? `credentials in ${o.state.dir} belong to ${stored.serverUrl}; an enrollment secret is needed for ${serverUrl}`
        : 'this device is not enrolled yet: an enrollment secret is needed (--enroll-secret or LAGEBILD_ENROLL_SECRET)',
    );
  }
  const device = await o.device();
  const credentials = await enroll({
    serverUrl,
    secret: o.secret,
    ...device,
    fetch: o.fetch,
    trust: o.trust,
  });
  o.state.saveCredentials(credentials);
  savePins(o.state, serverUrl, o.trust?.fingerprints);
  return { credentials, enrolled: true };
}
