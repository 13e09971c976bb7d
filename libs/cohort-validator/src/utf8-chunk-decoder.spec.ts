import fc from 'fast-check';
import { Utf8ChunkDecoder } from './utf8-chunk-decoder.js';

function decode(chunks: Buffer[]): { text: string; lines: number[] } {
  const lines: number[] = [];
  const decoder = new Utf8ChunkDecoder((line) => lines.push(line));
  let text = '';
  for (const chunk of chunks) text += decoder.push(chunk);
  text += decoder.end();
  return { text, lines };
}

describe('Utf8ChunkDecoder', () => {
  it('decodes characters cut between chunks, byte by byte', () => {
    const bytes = Buffer.from('é😀ü\nçà', 'utf8');
    const oneByOne = [...bytes].map((b) => Buffer.from([b]));
    expect(decode(oneByOne)).toEqual({ text: 'é😀ü\nçà', lines: [] });
  });

  it('names each line holding bytes that are not UTF-8, once per line', () => {
    const latin1 = Buffer.from('ok\nL\xe9a \xe9\nfine\nAna\xefs\n', 'latin1');
    const { text, lines } = decode([latin1.subarray(0, 5), latin1.subarray(5)]);
    expect(lines).toEqual([2, 4]);
    expect(text).toBe('ok\nL\uFFFDa \uFFFD\nfine\nAna\uFFFDs\n');
  });

  it('reports a character cut off at the very end of the input', () => {
    expect(decode([Buffer.from('a\n'), Buffer.from([0xe2, 0x82])]).lines).toEqual([2]);
  });

  it('refuses overlong forms and surrogates, as TextDecoder does', () => {
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      expect(decode([Buffer.from(bad)]).lines).toEqual([1]);
    }
  });

  it('agrees with TextDecoder on any bytes cut anywhere', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat({ max: 40 }), (bytes, cut) => {
        const buf = Buffer.from(bytes);
        const got = decode([buf.subarray(0, cut), buf.subarray(cut)]);
        let valid = true;
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(buf);
        } catch {
          valid = false;
        }
        expect(got.lines.length === 0).toBe(valid);
        expect(got.text).toBe(new TextDecoder('utf-8', { ignoreBOM: true }).decode(buf));
      }),
      { numRuns: 1000 },
    );
  });
});
