import type { Store, UserInfo } from '../store/store.js';
import { hashPassword, passwordProblem } from './password.js';
import { isRole, ROLES, type Role } from './roles.js';

/** Names are compared without case; ASCII only, so both engines fold them the same way. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** A user change that cannot be made; the message is for the person at the CLI or API. */
export class UserError extends Error {
  override name = 'UserError';
}

export function checkUserName(name: string): void {
  if (!USER_NAME_PATTERN.test(name))
    throw new UserError(
      `user name "${name}" is not valid: 1 to 64 characters, letters, digits and . _ @ - (starting with a letter or digit)`,
    );
}

export function checkRole(role: string): Role {
  if (!isRole(role)) throw new UserError(`role "${role}" is not one of ${ROLES.join(', ')}`);
  return role;
}

export function checkPassword(password: string): void {
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
}

/** Validates and creates a user (password hashed with scrypt); throws UserError when the name is taken. */
export async function createUser(
  store: Store,
  input: { name: string; role: string; password: string; now: number },
): Promise<UserInfo> {
  checkUserName(input.name);
  const role = checkRole(input.role);
  checkPassword(input.password);
  const user = await store.addUser({
    name: input.name,
    role,
    passwordHash: await hashPassword(input.password),
    now: input.now,
  });
  if (!user) throw new UserError(`a user named "${input.name}" exists already`);
  return user;
}

/** Sets a new password and ends the user's sessions; throws UserError for an unknown user. */
export async function changePassword(store: Store, name: string, password: string): Promise<void> {
  checkPassword(password);
  if (!(await store.setUserPassword(name, await hashPassword(password))))
    throw new UserError(`no user named "${name}"`);
}

/** Removes a user and ends their sessions; throws UserError for an unknown user. */
export async function removeUser(store: Store, name: string): Promise<void> {
  if (!(await store.removeUser(name))) throw new UserError(`no user named "${name}"`);
}
