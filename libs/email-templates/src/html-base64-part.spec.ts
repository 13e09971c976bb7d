import { expect } from '@jest/globals';
import fc from 'fast-check';
import { htmlBase64Encoder } from './html-base64-part.js';
import { fillTemplate, parseTemplate } from './parse-template.js';

const names = { known: new Set(['a', 'b', 'link']), urls: new Set(['link']), required: [] };

/** The plain way: fill, UTF-8, base64, cut every 76 characters. */
function reference(html: string, newline: string): Buffer {
  const lines =
    Buffer.from(html, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? [];
  return Buffer.from(lines.join(newline), 'latin1');
}

function viaEncoder(template: ReturnType<typeof parseTemplate>, values: Record<string, string>, newline: '\n' | '\r\n'): Buffer {
  const encoder = htmlBase64Encoder(template, newline);
  const slots = encoder.slotValues(values);
  const out = Buffer.alloc(encoder.maxLength(slots) + 8);
  return out.subarray(0, encoder.write(slots, out, 0));
}

describe('htmlBase64Encoder', () => {
  it('writes the same bytes as base64 of the filled template, whatever the lengths around the slots', () => {
    const piece = fc.string({ unit: fc.constantFrom('x', 'é', ' ', '日', '😀', '>', '\n'), maxLength: 150 });
    fc.assert(
      fc.property(
        fc.array(piece, { minLength: 4, maxLength: 4 }),
        fc.string({ unit: fc.constantFrom('a', 'é', '&', '<', '"', '日', '😀'), maxLength: 90 }),
        fc.string({ unit: fc.constantFrom('b', 'ß', "'", ' '), maxLength: 70 }),
        fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
        (literals, a, b, newline) => {
          const source = `<p>${literals[0]}{{a}}${literals[1]}{{b}}</p>${literals[2]}<a href="{{link}}">${literals[3]}{{a}}</a>`;
          const template = parseTemplate(source, 't.html', 'html', names);
          const values = { a, b, link: `https://x.example/?q=${b}&r=1` };
          expect(viaEncoder(template, values, newline).equals(reference(fillTemplate(template, values), newline))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('names an unfilled placeholder', () => {
    const template = parseTemplate('<p>{{a}}</p>', 't.html', 'html', names);
    expect(() => htmlBase64Encoder(template, '\n').slotValues({})).toThrow(expect.objectContaining({ code: 'EMAIL_PLACEHOLDER_UNFILLED' }));
  });
});
