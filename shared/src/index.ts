export * from './api.js';
export * from './codec.js';
export * from './errors.js';
export * from './frames.js';
export type * from './live.js';
export * from './observations.js';
export * from './validate.js';
export * from './version.js';
export * from './vpn-vendors.js';
