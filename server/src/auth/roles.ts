/** The roles a dashboard user can have; what each may do is in permissions.ts. */
export const ROLES = ['admin', 'servicedesk', 'viewer', 'datenschutz'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
