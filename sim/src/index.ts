export { DeviceBehaviour } from './behaviour.js';
export { DEFAULT_GATEWAYS, DEFAULT_PROBES, DEFAULT_SLOW_APP, type SimProbe } from './defaults.js';
export { SimError } from './enroll.js';
export { type Fleet, type FleetOptions, type FleetStats, startFleet } from './fleet.js';
export type { RecordedObservation } from './outbox.js';
export { createRng, type Rng } from './prng.js';
export { probeResult, SLOW_FACTOR } from './probe-model.js';
export { type DeviceProfile, deviceProfile } from './profile.js';
export type { SimDevice } from './sim-device.js';
