const MARK = 'invite=3D';
const EQUALS = 0x3d;

/** Whether the bytes at `at` spell MARK (ASCII). */
function markAt(eml: Uint8Array, at: number): boolean {
  if (at < 0 || at + MARK.length > eml.length) return false;
  for (let i = 0; i < MARK.length; i++) if (eml[at + i] !== MARK.charCodeAt(i)) return false;
  return true;
}

/**
 * The code-shaped values an invitation .eml holds where the template writes
 * its code: after each `invite=3D` of the quoted-printable text part (a soft
 * line break inside joined), in order (`XXXX-XXXX-XXXX-XXXX` as written).
 * Several when a name carries `invite=…` too: the greeting comes before the
 * link, so a dispatcher looks for the invite's code among them (a digest
 * compare) and never trusts the first. Empty when there is no link, or when
 * its code was damaged (`hasInviteLink` of email-templates tells the two
 * apart). Takes the file's bytes (a Buffer is one); no Node API, so the
 * rules stay usable anywhere.
 */
export function inviteEmlCodes(eml: Uint8Array): string[] {
  const codes: string[] = [];
  // the `=` of `invite=3D`, found by the native scan: few in a quoted-printable and base64 message
  for (let eq = eml.indexOf(EQUALS, 6); eq !== -1; eq = eml.indexOf(EQUALS, eq + 1)) {
    const at = eq - 6;
    if (!markAt(eml, at)) continue;
    const from = at + MARK.length;
    const near = String.fromCharCode(...eml.subarray(from, Math.min(eml.length, from + 64))).replace(/=\r?\n/g, '');
    const code = /^[0-9A-Za-z]{4}(?:-?[0-9A-Za-z]{4}){3}/.exec(near)?.[0];
    if (code) codes.push(code);
  }
  return codes;
}
