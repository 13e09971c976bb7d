import { isUtf8 } from 'node:buffer';

/**
 * Decodes a byte stream chunk by chunk, and names the lines holding bytes that
 * are not UTF-8 (a Latin-1 or Windows-1252 export, typically). Valid chunks
 * take the fast path (one isUtf8 check, one toString); only a bad chunk is
 * scanned byte by byte. Bad bytes become U+FFFD so validation can go on.
 */
export class Utf8ChunkDecoder {
  private carry: Buffer | null = null;
  /** The line the next decoded byte is on. */
  private line = 1;

  constructor(private readonly onInvalidLine: (line: number) => void) {}

  /** The text of `chunk`, minus an incomplete character at its end (kept for the next chunk). */
  push(chunk: Buffer): string {
    let bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    const cut = incompleteTail(bytes);
    if (cut < bytes.length) {
      this.carry = Buffer.from(bytes.subarray(cut));
      bytes = bytes.subarray(0, cut);
    }
    return this.decode(bytes);
  }

  /** Whatever is left: an incomplete character at the very end is invalid. */
  end(): string {
    const rest = this.carry;
    this.carry = null;
    return rest ? this.decode(rest) : '';
  }

  private decode(bytes: Buffer): string {
    if (!isUtf8(bytes)) this.reportInvalid(bytes);
    // A native indexOf loop: a few ms per million lines, the price of naming
    // the line of a bad byte without keeping earlier chunks.
    this.line += countLineFeeds(bytes);
    return bytes.toString('utf8');
  }

  private reportInvalid(bytes: Buffer): void {
    let line = this.line;
    let lastReported = -1;
    let i = 0;
    while (i < bytes.length) {
      const b = bytes[i] ?? 0;
      if (b === 10) {
        line++;
        i++;
        continue;
      }
      const length = validSequenceLength(bytes, i);
      if (length === 0) {
        if (line !== lastReported) this.onInvalidLine(line);
        lastReported = line;
        i++;
      } else {
        i += length;
      }
    }
  }
}

function countLineFeeds(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Where an incomplete multi-byte character at the end of `bytes` starts (bytes.length when none). */
function incompleteTail(bytes: Buffer): number {
  const len = bytes.length;
  for (let i = len - 1; i >= 0 && i >= len - 3; i--) {
    const b = bytes[i] ?? 0;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return len;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return len - i < need ? i : len;
  }
  return len;
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF), or 0. */
function validSequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
