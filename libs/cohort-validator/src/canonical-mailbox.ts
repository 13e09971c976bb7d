/**
 * The mailbox an address most likely reaches, for "likely duplicate"
 * warnings: lower case, `+tag` dropped, and for gmail.com/googlemail.com dots
 * dropped and the domain unified. Returns its argument unchanged (same string)
 * when nothing applies, so the common case allocates nothing. Gmail is the
 * provider known to ignore dots; most providers deliver a+tag@ to a@, so tags
 * are dropped everywhere.
 */
export function canonicalMailbox(lowerEmail: string): string {
  const at = lowerEmail.lastIndexOf('@');
  const plus = lowerEmail.indexOf('+');
  const dotless = lowerEmail.endsWith('@gmail.com') || lowerEmail.endsWith('@googlemail.com');
  if (!dotless && (plus === -1 || plus > at)) return lowerEmail;
  const domain = lowerEmail.slice(at + 1);
  let local = lowerEmail.slice(0, plus !== -1 && plus < at ? plus : at);
  if (!dotless) return `${local}@${domain}`;
  local = local.replaceAll('.', '');
  const canonical = `${local}@gmail.com`;
  return canonical === lowerEmail ? lowerEmail : canonical;
}
