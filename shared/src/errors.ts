/**
 * The one catalogue of coded errors. Codes are stable and asserted by tests; messages are for people.
 * `close` is the WebSocket close code used when the error ends the connection.
 */
export const ERRORS = {
  LB_ERR_FRAME_MALFORMED: { close: 4400, message: 'Frame is not valid JSON' },
  LB_ERR_FRAME_INVALID: { close: 4400, message: 'Frame does not match the protocol schema' },
  LB_ERR_FRAME_TOO_LARGE: { close: 4413, message: 'Frame exceeds the size limit' },
  LB_ERR_FRAME_UNEXPECTED: { close: 4400, message: 'Frame type is not allowed at this point' },
  LB_ERR_PROTOCOL_VERSION: { close: 4426, message: 'Protocol version is not supported' },
  LB_ERR_HELLO_TIMEOUT: { close: 4408, message: 'No hello frame received in time' },
  LB_ERR_AUTH_MISSING: { close: 4401, message: 'Device credentials are missing' },
  LB_ERR_AUTH_INVALID: { close: 4401, message: 'Device id or token is not valid' },
  LB_ERR_ENROLL_SECRET_INVALID: { close: 4401, message: 'Enrollment secret is not valid' },
  LB_ERR_ENROLL_INVALID: { close: 4400, message: 'Enrollment request is not valid' },
  LB_ERR_SEQ_INVALID: { close: 4400, message: 'Sequence numbers must increase within a batch' },
  LB_ERR_STORE_FAILED: { close: 1011, message: 'The server could not store the batch; it will be resent' },
  LB_ERR_SERVER_BUSY: { close: 1013, message: 'The server is busy; retry later' },
  LB_ERR_REPLACED: { close: 4409, message: 'Another connection for this device replaced this one' },
  LB_ERR_NOT_FOUND: { close: 4404, message: 'Not found' },
  LB_ERR_COMMAND_UNKNOWN: { close: 4400, message: 'Command is not one of the predefined checks' },
  LB_ERR_REQUEST_INVALID: { close: 4400, message: 'Request is not valid' },
  LB_ERR_INTERNAL: { close: 1011, message: 'Internal server error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** An error with a catalogue code; thrown by codecs and handlers, turned into error frames or HTTP errors. */
export class LagebildError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message);
    this.name = 'LagebildError';
    this.code = code;
    this.detail = detail;
  }

  /** WebSocket close code for this error. */
  get closeCode(): number {
    return ERRORS[this.code].close;
  }
}

export function isLagebildError(e: unknown): e is LagebildError {
  return e instanceof LagebildError;
}
