import type { ParsedTemplate } from './parse-template.js';
import { encodeSlot } from './parse-template.js';
import { UnfilledPlaceholderError } from './errors.js';

/**
 * The HTML body of an invitation as base64 in lines of 76 characters (RFC
 * 2045), written straight into a Buffer from the parsed template: exactly the
 * bytes of `base64(utf8(fillTemplate(html, values)))` cut every 76 characters,
 * without building the 13 KB HTML string or encoding it per recipient.
 *
 * base64 turns each 3-byte group into 4 characters on its own, and a line is
 * 19 groups (57 bytes). So the run of whole groups inside a literal only
 * depends on where the literal starts modulo 57: its first 0-2 bytes complete
 * the group before it (3 cases) and the column it starts at decides where the
 * line breaks fall (19 cases). Each such run is encoded once per batch, on
 * first use, and copied; only the few bytes around each slot (the slot value
 * and the partial groups on both sides) are encoded per recipient.
 */

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const PAD = 0x3d; // =
const LINE = 76;
/** A literal is precomputed when it holds at least this many bytes of whole groups; shorter ones are encoded per message. */
const MIN_RUN = 57;

/** Position in the base64 text: `col` characters on the current line, 76 meaning "full, break before the next group". */
interface Cursor {
  at: number;
  col: number;
}

/**
 * Encodes whole groups src[from, to) (to - from a multiple of 3) into out at
 * cursor.at, breaking lines with `newline` before a group that would start a
 * 77th character. Returns nothing; the cursor moves.
 */
function encodeGroups(src: Uint8Array, from: number, to: number, out: Uint8Array, cursor: Cursor, newline: Uint8Array): void {
  let { at, col } = cursor;
  const nl0 = newline[0]!;
  const crlf = newline.length === 2;
  for (let i = from; i < to; i += 3) {
    if (col === LINE) {
      if (crlf) out[at++] = 0x0d;
      out[at++] = crlf ? 0x0a : nl0;
      col = 0;
    }
    const n = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    out[at] = ALPHABET[n >>> 18]!;
    out[at + 1] = ALPHABET[(n >>> 12) & 63]!;
    out[at + 2] = ALPHABET[(n >>> 6) & 63]!;
    out[at + 3] = ALPHABET[n & 63]!;
    at += 4;
    col += 4;
  }
  cursor.at = at;
  cursor.col = col;
}

/** The last 1 or 2 bytes of the body, with padding. */
function encodeFinal(src: Uint8Array, from: number, count: number, out: Uint8Array, cursor: Cursor, newline: Uint8Array): void {
  let { at } = cursor;
  if (cursor.col === LINE) {
    for (let k = 0; k < newline.length; k++) out[at++] = newline[k]!;
    cursor.col = 0;
  }
  const b0 = src[from]!;
  const b1 = count === 2 ? src[from + 1]! : 0;
  const n = (b0 << 16) | (b1 << 8);
  out[at] = ALPHABET[n >>> 18]!;
  out[at + 1] = ALPHABET[(n >>> 12) & 63]!;
  out[at + 2] = count === 2 ? ALPHABET[(n >>> 6) & 63]! : PAD;
  out[at + 3] = PAD;
  cursor.at = at + 4;
  cursor.col += 4;
}

/** One literal of the template, with its encoded whole-group runs (made on first use). */
interface Literal {
  bytes: Buffer;
  /** runs[head * 19 + col / 4]: groups from byte `head`, starting at column `col`. */
  runs: ({ chunk: Buffer; endCol: number } | undefined)[];
}

export interface HtmlBase64Encoder {
  /** Most bytes the base64 body can take for these slot values (UTF-8 at 3 bytes a character, breaks included). */
  maxLength(encodedSlots: readonly string[]): number;
  /** The slot values, encoded for their context (escaped HTML…), in slot order; throws for an unfilled one. */
  slotValues(values: Readonly<Record<string, string | undefined>>): string[];
  /** Writes the base64 body into out at `at`; returns the end offset. */
  write(encodedSlots: readonly string[], out: Buffer, at: number): number;
}

const encoders = new WeakMap<ParsedTemplate, Map<string, HtmlBase64Encoder>>();

/** The encoder for a parsed HTML template and a newline, built once and kept with the template. */
export function htmlBase64Encoder(template: ParsedTemplate, newline: '\n' | '\r\n'): HtmlBase64Encoder {
  let byNewline = encoders.get(template);
  if (!byNewline) encoders.set(template, (byNewline = new Map<string, HtmlBase64Encoder>()));
  let encoder = byNewline.get(newline);
  if (!encoder) byNewline.set(newline, (encoder = makeEncoder(template, newline)));
  return encoder;
}

function makeEncoder(template: ParsedTemplate, newlineText: '\n' | '\r\n'): HtmlBase64Encoder {
  const newline = Buffer.from(newlineText, 'latin1');
  const literals: Literal[] = template.literals.map((text) => ({ bytes: Buffer.from(text, 'utf8'), runs: [] }));
  const slots = template.slots;
  const literalBytes = literals.reduce((sum, literal) => sum + literal.bytes.length, 0);
  // Bytes waiting to be encoded: the slot values and the partial groups around them.
  let pending = Buffer.allocUnsafeSlow(literalBytes + 1024);

  function run(literal: Literal, head: number, col: number): { chunk: Buffer; endCol: number } {
    const key = head * 19 + col / 4;
    let found = literal.runs[key];
    if (!found) {
      const groups = Math.floor((literal.bytes.length - head) / 3);
      const scratch = Buffer.allocUnsafe(groups * 4 + Math.ceil((groups * 4) / LINE) * newline.length);
      const cursor = { at: 0, col };
      encodeGroups(literal.bytes, head, head + groups * 3, scratch, cursor, newline);
      found = { chunk: Buffer.from(scratch.subarray(0, cursor.at)), endCol: cursor.col };
      literal.runs[key] = found;
    }
    return found;
  }

  return {
    maxLength(encodedSlots) {
      let chars = 0;
      for (const value of encodedSlots) chars += value.length;
      const bytes = literalBytes + chars * 3;
      const base64 = Math.ceil(bytes / 3) * 4;
      return base64 + Math.ceil(base64 / LINE) * newline.length;
    },

    slotValues(values) {
      const out: string[] = new Array<string>(slots.length);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const value = values[slot.name];
        if (value === undefined) throw new UnfilledPlaceholderError(slot.name, template.file);
        out[i] = encodeSlot(value, slot.encoding);
      }
      return out;
    },

    write(encodedSlots, out, at) {
      let need = 0;
      for (const value of encodedSlots) need += value.length * 3;
      if (pending.length < literalBytes + need + 8) pending = Buffer.allocUnsafeSlow(literalBytes + need + 1024);
      const cursor: Cursor = { at, col: 0 };
      let pendingLength = 0;
      for (let i = 0; i < literals.length; i++) {
        const literal = literals[i]!;
        const bytes = literal.bytes;
        const length = bytes.length;
        // bytes needed to complete the group the pending bytes end in
        const head = (3 - (pendingLength % 3)) % 3;
        if (length - head >= MIN_RUN) {
          for (let k = 0; k < head; k++) pending[pendingLength++] = bytes[k]!;
          encodeGroups(pending, 0, pendingLength, out, cursor, newline);
          pendingLength = 0;
          const found = run(literal, head, cursor.col === LINE ? 0 : cursor.col);
          if (cursor.col === LINE) {
            for (let k = 0; k < newline.length; k++) out[cursor.at++] = newline[k]!;
          }
          out.set(found.chunk, cursor.at);
          cursor.at += found.chunk.length;
          cursor.col = found.endCol;
          for (let k = head + Math.floor((length - head) / 3) * 3; k < length; k++) pending[pendingLength++] = bytes[k]!;
        } else {
          bytes.copy(pending, pendingLength);
          pendingLength += length;
        }
        if (i < encodedSlots.length) pendingLength += pending.write(encodedSlots[i]!, pendingLength, 'utf8');
      }
      const whole = pendingLength - (pendingLength % 3);
      encodeGroups(pending, 0, whole, out, cursor, newline);
      if (whole < pendingLength) encodeFinal(pending, whole, pendingLength - whole, out, cursor, newline);
      return cursor.at;
    },
  };
}
