export { type AppOptions, buildApp } from './app.js';
export { ROLES, type Role } from './auth/roles.js';
export { createUser } from './auth/users.js';
export type { AgentGateway } from './gateway/gateway.js';
export type { CommandResultEvent, LiveHub, LiveListener } from './live/hub.js';
export { DEFAULT_DASHBOARD_DIR, DEFAULT_INTERVALS } from './options.js';
export type { ProbeConfigService } from './probe-config/service.js';
export { decodeProbeConfigBody, decodeProbeList, ProbeConfigError } from './probe-config/validate.js';
export { MIGRATIONS, migrate } from './store/migrations.js';
export { SqliteStore } from './store/sqlite-store.js';
export type {
  DeviceAuth,
  DeviceQuery,
  EnrollInput,
  EnrollResult,
  IngestResult,
  LatencyQuery,
  OnlineInput,
  Store,
  StoredProbeConfig,
} from './store/store.js';
export { SERVER_VERSION } from './version.js';
