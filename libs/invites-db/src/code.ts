import { createHash, randomBytes } from 'node:crypto';
import { InviteCodeMalformedError } from './errors.js';

/** Crockford base32: no I, L, O, U, so that codes read aloud and typed by hand survive. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters of 5 bits: 80 random bits. */
export const CODE_LENGTH = 16;

const ALPHABET_SET = new Set(CODE_ALPHABET);

/** A fresh code from the OS CSPRNG: 10 random bytes, 16 base32 characters. */
export function generateCode(): string {
  const bytes = randomBytes(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = CODE_LENGTH - 1; i >= 0; i--) code += CODE_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return code;
}

export type ParsedCode = { ok: true; code: string } | { ok: false; reason: string };

/**
 * Normalises what a person typed or pasted: case, hyphens and whitespace are
 * ignored, I and L read as 1, O as 0. Returns the canonical 16 characters or
 * why the input cannot be a code (never echoing the input back).
 */
export function parseCode(input: string): ParsedCode {
  if (input.length > 64) return { ok: false, reason: 'too long' };
  const compact = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  for (const char of compact) {
    if (!ALPHABET_SET.has(char)) return { ok: false, reason: 'contains a character outside the code alphabet' };
  }
  if (compact.length !== CODE_LENGTH) {
    return { ok: false, reason: `must be ${CODE_LENGTH} characters, got ${compact.length}` };
  }
  return { ok: true, code: compact };
}

/** parseCode, throwing INVITE_CODE_MALFORMED on bad input. */
export function normalizeCode(input: string): string {
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
  return createHash('sha256').update(normalizeCode(code)).digest('hex');
}
