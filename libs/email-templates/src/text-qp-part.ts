import { encode as qpEncode } from 'nodemailer/lib/qp';
import type { ParsedTemplate } from './parse-template.js';

/**
 * The text template's literals, quoted-printable encoded once per batch, so
 * that only the slot values are encoded per recipient. Quoted-printable
 * encodes byte by byte and looks one byte ahead only to encode a space or tab
 * that ends a line (or the input): each piece is encoded with the byte that
 * follows it as a probe (`x` for an ordinary byte, LF for a line break,
 * nothing at the end) and the probe is cut off again, which gives exactly
 * `encode(literal0 + value0 + literal1 + …)`.
 */
export interface TextQpEncoder {
  /** The encoded text (before line wrapping), or undefined when a value is empty or holds a line break: the caller then encodes the whole text. */
  encode(values: Readonly<Record<string, string | undefined>>): string | undefined;
}

const encoders = new WeakMap<ParsedTemplate, Map<string, TextQpEncoder>>();

/** The encoder for a parsed text template and a newline, built once and kept with the template. */
export function textQpEncoder(template: ParsedTemplate, newline: '\n' | '\r\n'): TextQpEncoder {
  let byNewline = encoders.get(template);
  if (!byNewline) encoders.set(template, (byNewline = new Map<string, TextQpEncoder>()));
  let encoder = byNewline.get(newline);
  if (!encoder) byNewline.set(newline, (encoder = makeEncoder(template, newline)));
  return encoder;
}

/** The probe for what follows a piece: `x` for an ordinary character, LF before a line break, nothing at the end. */
function probeFor(next: string | undefined): string {
  if (next === undefined) return '';
  return next.startsWith('\r') || next.startsWith('\n') ? '\n' : 'x';
}

function encodeBefore(piece: string, probe: string): string {
  // Most values (codes, URLs, dates) are printable ASCII without "=": quoted-printable keeps them
  // as they are, but for a space that ends a line or the input.
  let plain = true;
  for (let i = 0; i < piece.length; i++) {
    const c = piece.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3d) {
      plain = false;
      break;
    }
  }
  if (plain && (probe === 'x' || !piece.endsWith(' '))) return piece;
  const encoded = qpEncode(piece + probe);
  return probe === '' ? encoded : encoded.slice(0, -1);
}

function makeEncoder(template: ParsedTemplate, newline: '\n' | '\r\n'): TextQpEncoder {
  const literals = template.literals.map((literal) => (newline === '\r\n' ? literal.replace(/\r?\n/g, '\r\n') : literal));
  const last = literals.length - 1;
  // An empty literal between two slots would make one value's encoding depend on the next value: not worth it.
  const usable =
    template.slots.every((slot) => slot.encoding === 'raw') && literals.every((literal, i) => literal !== '' || i === 0 || i === last);
  // Each literal is followed by a non-empty value without line breaks (checked per message), or ends the text.
  const encodedLiterals = literals.map((literal, i) => encodeBefore(literal, i === last ? '' : 'x'));
  // Each value is followed by the next literal, or ends the text when the last literal is empty.
  const valueProbes = template.slots.map((_, i) => probeFor(i + 1 === last && literals[last] === '' ? undefined : literals[i + 1]));
  const slots = template.slots;
  return {
    encode(values) {
      if (!usable) return undefined;
      let out = encodedLiterals[0]!;
      for (let i = 0; i < slots.length; i++) {
        const value = values[slots[i]!.name];
        if (value === undefined || value === '' || value.includes('\n') || value.includes('\r')) return undefined;
        out += encodeBefore(value, valueProbes[i]!) + encodedLiterals[i + 1]!;
      }
      return out;
    },
  };
}
