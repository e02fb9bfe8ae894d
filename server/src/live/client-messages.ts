import type { LiveClientMessage, LiveCommandResult } from '@lagebild/shared';
import type { CommandResultEvent } from './hub.js';

/** Device ids are short; anything longer is not one of ours. */
const MAX_ID_LENGTH = 128;

/** Parses what a dashboard sent on the live socket; anything unknown or malformed is ignored (null). */
export function parseClientMessage(text: string): LiveClientMessage | null {
  if (text.length > 1024) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { type, deviceId } = value as { type?: unknown; deviceId?: unknown };
  if (type !== 'watch') return null;
  if (deviceId === null) return { type: 'watch', deviceId: null };
  if (typeof deviceId !== 'string' || deviceId.length === 0 || deviceId.length > MAX_ID_LENGTH) return null;
  return { type: 'watch', deviceId };
}

/** The live message for an agent's command result as it reaches this node. */
export function commandResultMessage(event: CommandResultEvent, at: number): LiveCommandResult {
  const { result } = event;
  const message: LiveCommandResult = {
    type: 'commandResult',
    deviceId: event.deviceId,
    commandId: result.id,
    status: result.status,
    results: result.results,
    at,
  };
  if (result.message !== undefined) message.message = result.message;
  return message;
}
