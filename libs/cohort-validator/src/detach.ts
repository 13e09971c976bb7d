/**
 * A copy of `s` that shares no memory with it. Values cut from a chunk of the
 * file are V8 "sliced strings" that keep the whole 256 KiB chunk alive; a
 * finding or a duplicate group kept until the end would otherwise pin chunks
 * of the file in memory. Only used on rare paths (findings, duplicates).
 */
export function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
