import { hash, randomFillSync } from 'node:crypto';
import { CODE_ALPHABET, CODE_LENGTH } from '@veza/invite-rules';
import { InviteCodeMalformedError } from './errors.js';

// The code's shape (alphabet, length) is an invite rule: @veza/invite-rules states it.
export { CODE_ALPHABET, CODE_LENGTH };

const ALPHABET_SET = new Set(CODE_ALPHABET);

// Random bytes are drawn from the OS CSPRNG a pool at a time (one call per
// 409 codes instead of one per code); each byte is used once.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function fortyBits(): number {
  if (poolOffset + 5 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let value = 0;
  for (let i = 0; i < 5; i++) value = value * 256 + pool[poolOffset++]!;
  return value;
}

/** Eight base32 characters of a 40-bit number (exact in a double: 40 < 53 bits). */
function eightChars(value: number): string {
  let chars = '';
  for (let shift = 35; shift >= 0; shift -= 5) chars += CODE_ALPHABET[Math.floor(value / 2 ** shift) % 32];
  return chars;
}

/** A fresh code from the OS CSPRNG: 80 random bits, 16 base32 characters. */
export function generateCode(): string {
  return eightChars(fortyBits()) + eightChars(fortyBits());
}

export type ParsedCode = { ok: true; code: string } | { ok: false; reason: string };

/**
 * Normalises what a person typed or pasted: case, hyphens and whitespace are
 * ignored, I and L read as 1, O as 0. Returns the canonical 16 characters or
 * why the input cannot be a code (never echoing the input back). Anything but
 * a string (a query string's `?invite=a&invite=b` is an array, a missing one
 * undefined) is not a code either.
 */
export function parseCode(input: unknown): ParsedCode {
  if (typeof input !== 'string')
    return { ok: false, reason: `must be a string, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}` };
  if (input.length > 64) return { ok: false, reason: 'too long' };
  return parseAsciiCode(input) ?? parseAnyCode(input);
}

const outsideAlphabet = (): ParsedCode => ({ ok: false, reason: 'contains a character outside the code alphabet' });

/**
 * For each ASCII character: its canonical code character, '' for a separator
 * (hyphen, ASCII whitespace), undefined when it cannot be in a code.
 */
const ASCII_READING: (string | undefined)[] = Array.from({ length: 128 }, (_, c) => {
  const char = String.fromCharCode(c);
  if (char === '-' || /\s/.test(char)) return '';
  const upper = char.toUpperCase().replace(/[IL]/, '1').replace('O', '0');
  return ALPHABET_SET.has(upper) ? upper : undefined;
});

/**
 * parseCode's one-pass path for ASCII input (what the API sees on every
 * request); undefined for input with any other character, which takes the
 * general path (Unicode case mapping and whitespace).
 */
function parseAsciiCode(input: string): ParsedCode | undefined {
  let compact = '';
  let outside = false;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c > 127) return undefined;
    const reading = ASCII_READING[c];
    if (reading === undefined) outside = true;
    else compact += reading;
  }
  return outside ? outsideAlphabet() : ofLength(compact);
}

/** The canonical characters as a code, if there are CODE_LENGTH of them. */
function ofLength(compact: string): ParsedCode {
  if (compact.length !== CODE_LENGTH) return { ok: false, reason: `must be ${CODE_LENGTH} characters, got ${compact.length}` };
  return { ok: true, code: compact };
}

/**
 * parseCode for any input: Unicode case mapping, whitespace, and every dash as a hyphen (exported for the
 * spec that compares both paths). A code pasted from a note or a chat arrives with en dashes, U+2010 or a
 * minus sign (smart punctuation), or a zero-width space or direction mark, or typed full width: a tester was
 * told "not an invite code" for their own code. Such separators are invisible or look like the hyphen; what is left must still
 * be 16 code characters.
 */
export function parseAnyCode(input: string): ParsedCode {
  const compact = input
    .normalize('NFKC') // full-width letters and digits (７Ｋ３Ｍ: an East Asian keyboard) are the ASCII ones
    .toUpperCase()
    .replace(/[\s\p{Pd}\u2212\p{Cf}]/gu, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  for (const char of compact) {
    if (!ALPHABET_SET.has(char)) return outsideAlphabet();
  }
  return ofLength(compact);
}

/** parseCode, throwing INVITES_CODE_MALFORMED on bad input (a non-string too). */
export function normalizeCode(input: unknown): string {
  const parsed = parseCode(input);
  if (!parsed.ok) throw new InviteCodeMalformedError(parsed.reason);
  return parsed.code;
}

/** The code as shown to people: XXXX-XXXX-XXXX-XXXX. */
export function formatCode(code: string): string {
  return normalizeCode(code).replace(/(.{4})(?=.)/g, '$1-');
}

/** What the database stores: SHA-256 of the canonical code, hex. A leaked table redeems nothing. */
export function digestCode(code: string): string {
  return digestCanonicalCode(normalizeCode(code));
}

/**
 * digestCode for a code already canonical (fresh from generateCode, or parsed): no normalising pass.
 * The one-shot `hash` (Node ≥ 20.12, the engines' floor): the same hex SHA-256 as
 * `createHash(…).update(…).digest('hex')`, without a Hash object per call (a dispatch digests once per email).
 */
export function digestCanonicalCode(code: string): string {
  return hash('sha256', code, 'hex');
}
