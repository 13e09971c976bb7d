export const ROLES = Object.freeze(['creator', 'listener'] as const);
export type Role = (typeof ROLES)[number];

/** Whether a value is exactly a role, as the database stores it. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The role a CSV cell or form field names, in any case, or null when it names none. */
export function parseRole(cell: string): Role | null {
  const lower = cell.trim().toLowerCase();
  return isRole(lower) ? lower : null;
}
