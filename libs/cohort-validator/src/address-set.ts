/**
 * The set of addresses seen so far, as 64-bit hashes with the line each was
 * first seen on, in flat typed arrays: 12 bytes a slot at most half full, so a
 * million distinct addresses take about 24 MB and no garbage-collected
 * objects (a Map of strings took about 150 MB and much GC time). The price is
 * a 64-bit collision: about one chance in 30 million, for a million distinct
 * addresses, that two different addresses are reported as duplicates, which a
 * person sees at once since the finding names both lines.
 */
export class AddressSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** first line of the address in each slot; 0 = empty (lines start at 1) */
  private lines: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialSlots = 1 << 12) {
    this.hi = new Uint32Array(initialSlots);
    this.lo = new Uint32Array(initialSlots);
    this.lines = new Int32Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  /** The first line of `key`, or undefined. */
  get(key: string): number | undefined {
    hash(key);
    const line = this.lines[this.find(HASH[0] ?? 0, HASH[1] ?? 0)] ?? 0;
    return line === 0 ? undefined : line;
  }

  /** Records `key` at `line` unless present; returns the earlier line when it was. */
  addOrGet(key: string, line: number): number | undefined {
    hash(key);
    const h = HASH[0] ?? 0;
    const l = HASH[1] ?? 0;
    const slot = this.find(h, l);
    const found = this.lines[slot] ?? 0;
    if (found !== 0) return found;
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.lines[slot] = line;
    if (++this.size * 2 > this.lines.length) this.grow();
    return undefined;
  }

  /** Linear probing: the slot holding (h, l), or the empty slot where it belongs. */
  private find(h: number, l: number): number {
    let slot = (h ^ l) & this.mask;
    for (;;) {
      if (this.lines[slot] === 0 || (this.hi[slot] === h && this.lo[slot] === l)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    const slots = lines.length * 2;
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.lines = new Int32Array(slots);
    this.mask = slots - 1;
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === 0) continue;
      const slot = this.find(hi[i] ?? 0, lo[i] ?? 0);
      this.hi[slot] = hi[i] ?? 0;
      this.lo[slot] = lo[i] ?? 0;
      this.lines[slot] = lines[i] ?? 0;
    }
  }
}

/** Where hash() leaves its two halves: no array or object per call. */
const HASH = new Uint32Array(2);

// Two independent 32-bit hashes in one pass (FNV-1a, and a murmur-style mix
// with other constants) make one 64-bit key.
function hash(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  HASH[0] = a;
  HASH[1] = b ^ (b >>> 16);
}
