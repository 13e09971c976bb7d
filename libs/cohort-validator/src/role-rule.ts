import { parseRole } from '@veza/invite-rules';
import type { Role } from '@veza/invite-rules';

/** First segments of a cohort label (split on - _ : / . space) that name a role. */
export const LABEL_ROLE_WORDS: Readonly<Record<string, Role>> = {
  creator: 'creator',
  creators: 'creator',
  artist: 'creator',
  artists: 'creator',
  listener: 'listener',
  listeners: 'listener',
  fan: 'listener',
  fans: 'listener',
};

const SEGMENT_END = /[-_:/. +]/;

/**
 * The role a cohort label names by its first segment, case-insensitive:
 * `creators-2026`, `Artist:paris` → creator; `listeners/beta`, `fans_fr` →
 * listener; anything else (`press-2026`, `creatorsclub`) → null (unclassified).
 */
export function roleFromLabel(label: string): Role | null {
  const end = label.search(SEGMENT_END);
  const first = (end === -1 ? label : label.slice(0, end)).toLowerCase();
  return Object.hasOwn(LABEL_ROLE_WORDS, first) ? (LABEL_ROLE_WORDS[first] ?? null) : null;
}

export type RoleSource = 'column' | 'label';

/**
 * How a row counts: the `role` cell when the column exists and the cell is
 * not empty, otherwise the label rule. Returns null for an unclassified row.
 * An invalid role cell is reported by the checker before this is called.
 */
export function classifyRow(roleCell: string | undefined, label: string): { role: Role; source: RoleSource } | null {
  if (roleCell !== undefined && roleCell !== '') {
    const role = parseRole(roleCell);
    return role ? { role, source: 'column' } : null;
  }
  const role = roleFromLabel(label);
  return role ? { role, source: 'label' } : null;
}
