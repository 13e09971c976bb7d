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
  for (const at of markPositions(eml)) {
    const from = at + MARK.length;
    const near = String.fromCharCode(...eml.subarray(from, Math.min(eml.length, from + 64))).replace(/=\r?\n/g, '');
    const code = /^[0-9A-Za-z]{4}(?:-?[0-9A-Za-z]{4}){3}/.exec(near)?.[0];
    if (code) codes.push(code);
  }
  return codes;
}

/** A Node Buffer: its indexOf finds a whole string natively (a dispatch reads one per email). */
interface StringSearchable {
  indexOf(value: string, byteOffset?: number): number;
}
const nodeBuffer = (globalThis as { Buffer?: { isBuffer(value: unknown): boolean } }).Buffer;
const isStringSearchable = (eml: Uint8Array): eml is Uint8Array & StringSearchable => nodeBuffer?.isBuffer(eml) === true;

/** Where each MARK starts: by the native string search of a Buffer, else by its `=` (few in a quoted-printable and base64 message). */
function markPositions(eml: Uint8Array): number[] {
  const found: number[] = [];
  if (isStringSearchable(eml)) {
    for (let at = eml.indexOf(MARK); at !== -1; at = eml.indexOf(MARK, at + MARK.length)) found.push(at);
    return found;
  }
  for (let eq = eml.indexOf(EQUALS, 6); eq !== -1; eq = eml.indexOf(EQUALS, eq + 1)) if (markAt(eml, eq - 6)) found.push(eq - 6);
  return found;
}
