export { DEMO_PASSWORD, type Demo, type DemoCredentials, type DemoOptions, startDemo } from './demo.js';
export { DEMO_APPS, type FachverfahrenSpec, startFachverfahren } from './fachverfahren.js';
