import Compile from 'typebox/compile';
import { ERRORS, type ErrorCode, LagebildError } from './errors.js';
import {
  AgentFrame,
  type AgentFrame as AgentFrameT,
  EnrollRequest,
  type EnrollRequest as EnrollRequestT,
  EnrollResponse,
  type EnrollResponse as EnrollResponseT,
  type ErrorFrame,
  ServerFrame,
  type ServerFrame as ServerFrameT,
} from './frames.js';
import { MAX_FRAME_BYTES, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from './version.js';

const agentFrame = Compile(AgentFrame);
const serverFrame = Compile(ServerFrame);
const enrollRequest = Compile(EnrollRequest);
const enrollResponse = Compile(EnrollResponse);

type Validator = {
  Check(v: unknown): boolean;
  Errors(v: unknown): { instancePath: string; message: string }[];
};

function byteLength(text: string | Uint8Array): number {
  return typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
}

function firstError(v: Validator, value: unknown): string {
  const [e] = v.Errors(value);
  return e ? `${e.instancePath || '/'} ${e.message}` : 'unknown schema violation';
}

function parseJson(raw: string | Uint8Array, maxBytes: number): unknown {
  const size = byteLength(raw);
  if (size > maxBytes) throw new LagebildError('LB_ERR_FRAME_TOO_LARGE', `${size} bytes > ${maxBytes}`);
  try {
    return JSON.parse(typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8'));
  } catch (e) {
    throw new LagebildError('LB_ERR_FRAME_MALFORMED', (e as Error).message);
  }
}

/** Rejects a frame that a protocol check of its own would refuse, with the most specific code. */
function checkSemantics(frame: AgentFrameT): void {
  if (
    frame.type === 'hello' &&
    (frame.protocol < MIN_PROTOCOL_VERSION || frame.protocol > PROTOCOL_VERSION)
  ) {
    throw new LagebildError(
      'LB_ERR_PROTOCOL_VERSION',
      `agent speaks ${frame.protocol}, server accepts ${MIN_PROTOCOL_VERSION}..${PROTOCOL_VERSION}`,
    );
  }
  if (frame.type === 'batch') {
    let prev = 0;
    for (const o of frame.observations) {
      if (o.seq <= prev) throw new LagebildError('LB_ERR_SEQ_INVALID', `seq ${o.seq} after ${prev}`);
      prev = o.seq;
    }
  }
}

/**
 * Parses and validates one frame from an agent. Throws LagebildError with
 * LB_ERR_FRAME_TOO_LARGE, LB_ERR_FRAME_MALFORMED, LB_ERR_PROTOCOL_VERSION, LB_ERR_FRAME_INVALID or LB_ERR_SEQ_INVALID.
 */
export function decodeAgentFrame(raw: string | Uint8Array, maxBytes = MAX_FRAME_BYTES): AgentFrameT {
  const value = parseJson(raw, maxBytes);
  // a hello with a foreign protocol number may have other fields we do not know: report the version first
  if (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'hello' &&
    typeof (value as { protocol?: unknown }).protocol === 'number' &&
    (value as { protocol: number }).protocol !== PROTOCOL_VERSION
  ) {
    checkSemantics(value as AgentFrameT);
  }
  if (!agentFrame.Check(value))
    throw new LagebildError('LB_ERR_FRAME_INVALID', firstError(agentFrame, value));
  const frame = value as AgentFrameT;
  checkSemantics(frame);
  return frame;
}

/** Parses and validates one frame from the server (used by agents and the simulator). */
export function decodeServerFrame(raw: string | Uint8Array, maxBytes = MAX_FRAME_BYTES): ServerFrameT {
  const value = parseJson(raw, maxBytes);
  if (!serverFrame.Check(value))
    throw new LagebildError('LB_ERR_FRAME_INVALID', firstError(serverFrame, value));
  return value as ServerFrameT;
}

/** Validates an enrollment request body. */
export function decodeEnrollRequest(value: unknown): EnrollRequestT {
  if (!enrollRequest.Check(value)) {
    throw new LagebildError('LB_ERR_ENROLL_INVALID', firstError(enrollRequest, value));
  }
  return value as EnrollRequestT;
}

/** Validates the server's answer to an enrollment (used by agents and the simulator). */
export function decodeEnrollResponse(value: unknown): EnrollResponseT {
  if (!enrollResponse.Check(value)) {
    throw new LagebildError('LB_ERR_ENROLL_INVALID', firstError(enrollResponse, value));
  }
  return value as EnrollResponseT;
}

/** Serialises a frame; the other side validates, so this only guards the size limit. */
export function encodeFrame(frame: AgentFrameT | ServerFrameT, maxBytes = MAX_FRAME_BYTES): string {
  const text = JSON.stringify(frame);
  const size = byteLength(text);
  if (size > maxBytes) throw new LagebildError('LB_ERR_FRAME_TOO_LARGE', `${size} bytes > ${maxBytes}`);
  return text;
}

/** Builds the error frame for a code. */
export function errorFrame(code: ErrorCode, detail?: string, retryAfterMs?: number): ErrorFrame {
  const message = detail ? `${ERRORS[code].message}: ${detail}` : ERRORS[code].message;
  const frame: ErrorFrame = { type: 'error', code, message: message.slice(0, 1024) };
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  return frame;
}
