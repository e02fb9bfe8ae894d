/** Wire protocol version. Bumped on any incompatible change to a frame. */
export const PROTOCOL_VERSION = 1;

/** Oldest protocol version a server of this build still accepts. */
export const MIN_PROTOCOL_VERSION = 1;

/** Largest frame (UTF-8 bytes of the JSON text) either side accepts. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Most observations in one batch frame. */
export const MAX_BATCH_OBSERVATIONS = 1000;

/** WebSocket path agents connect to. */
export const AGENT_WS_PATH = '/v1/agent';

/** HTTP path agents enroll at. */
export const ENROLL_PATH = '/v1/enroll';

/** WebSocket path dashboards subscribe to live updates at. */
export const LIVE_WS_PATH = '/v1/live';
