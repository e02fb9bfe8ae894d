import { isRole } from '../auth/roles.js';
import type { StoredUser, UserInfo } from './store.js';

/** A users row as both engines select it. */
export interface UserRow {
  id: number | string;
  name: string;
  role: string;
  password_hash: string;
  created_at: number | string;
}

export const USER_COLUMNS = 'id, name, role, password_hash, created_at';

export function toUserInfo(r: UserRow): UserInfo {
  // a role this version does not know (written by a newer one) grants nothing rather than everything
  const role = isRole(r.role) ? r.role : 'datenschutz';
  return { id: Number(r.id), name: r.name, role, createdAt: Number(r.created_at) };
}

export function toStoredUser(r: UserRow): StoredUser {
  return { ...toUserInfo(r), passwordHash: r.password_hash };
}
