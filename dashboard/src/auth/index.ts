export { AuthGate, type AuthGateProps } from './auth-gate.js';
export {
  type Auth,
  AuthContext,
  canAdminister,
  canOpenDevices,
  canSeeFleet,
  useAuth,
  useRole,
} from './context.js';
export { DeviceLink } from './device-link.js';
export { LoginPage } from './login-page.js';
export { NoFleetPage } from './no-fleet-page.js';
export {
  fetchMe,
  guardFetch,
  type LoginResult,
  login,
  logout,
  type Role,
  type SignedInUser,
} from './session.js';
export { UserMenu } from './user-menu.js';
