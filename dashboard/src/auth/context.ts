import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Role, SignedInUser } from './session.js';

export interface Auth {
  user: SignedInUser;
  /** ends the session and returns to the login page */
  logout(): void;
}

/** The signed-in user; provided by AuthGate around the whole app. */
export const AuthContext = createContext<Auth | null>(null);

/** The signed-in user and logout, or null outside AuthGate. */
export function useAuth(): Auth | null {
  return useContext(AuthContext);
}

/** The signed-in user's role; 'viewer' (the least) outside AuthGate, so nothing is offered by mistake. */
export function useRole(): Role {
  return useContext(AuthContext)?.user.role ?? 'viewer';
}

/** Whether the role may open a device's detail page (and "check now"). */
export function canOpenDevices(role: Role): boolean {
  return role === 'admin' || role === 'servicedesk';
}

/** Whether the role may open settings and administration. */
export function canAdminister(role: Role): boolean {
  return role === 'admin';
}

/** Whether the role sees fleet data at all (datenschutz does not). */
export function canSeeFleet(role: Role): boolean {
  return role !== 'datenschutz';
}
