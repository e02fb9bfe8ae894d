import {
  decodeEnrollResponse,
  ENROLL_PATH,
  type EnrollRequest,
  type EnrollResponse,
  ERRORS,
  type ErrorCode,
  PROTOCOL_VERSION,
} from '@lagebild/shared';

/** A failed step of a simulated device; `retryable` false means trying again cannot help. */
export class SimError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode | undefined,
    readonly retryable: boolean,
  ) {
    super(code ? `${code}: ${message}` : message);
    this.name = 'SimError';
  }
}

const isErrorCode = (v: unknown): v is ErrorCode => typeof v === 'string' && v in ERRORS;

/** POST /v1/enroll: trades the enrollment secret for a device id and token. */
export async function enroll(
  serverUrl: string,
  secret: string,
  hardwareId: string,
  hostname: string,
): Promise<EnrollResponse> {
  const body: EnrollRequest = { secret, hardwareId, hostname, protocol: PROTOCOL_VERSION };
  let res: Response;
  try {
    res = await fetch(new URL(ENROLL_PATH, serverUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const { cause } = e as { cause?: { code?: string; message?: string } };
    const reason = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new SimError(`enrollment at ${serverUrl} failed: ${reason}`, undefined, true);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const code = (json as { code?: unknown } | undefined)?.code;
    const message = (json as { message?: unknown } | undefined)?.message;
    // 4xx means our request is wrong (secret, body): repeating it cannot help; 5xx and 429 may pass
    const retryable = res.status >= 500 || res.status === 429;
    throw new SimError(
      `enrollment refused with HTTP ${res.status}${typeof message === 'string' ? ` (${message})` : ''}`,
      isErrorCode(code) ? code : undefined,
      retryable,
    );
  }
  try {
    return decodeEnrollResponse(json);
  } catch (e) {
    throw new SimError(
      `enrollment answer is not valid: ${(e as Error).message}`,
      'LB_ERR_ENROLL_INVALID',
      false,
    );
  }
}
