const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const SPECIAL = /[&<>"']/g;

/** Escapes a value for HTML text and for quoted attribute values alike (both quote styles). */
export function escapeHtml(value: string): string {
  // Most values (codes, URLs without &) need nothing: skip the replace allocation for them.
  SPECIAL.lastIndex = 0;
  return SPECIAL.test(value) ? value.replace(SPECIAL, (ch) => ENTITIES[ch] ?? ch) : value;
}
