import fc from 'fast-check';
import { encode as qpEncode } from 'nodemailer/lib/qp';
import { fillTemplate, parseTemplate } from './parse-template.js';
import { textQpEncoder } from './text-qp-part.js';

const names = { known: new Set(['a', 'b']), urls: new Set<string>(), required: [] };

describe('textQpEncoder', () => {
  it('gives the same quoted-printable as encoding the filled text, spaces and tabs at every edge included', () => {
    const piece = (extra: string[]) => fc.string({ unit: fc.constantFrom('x', 'é', ' ', '\t', '=', '日', '😀', ...extra), maxLength: 12 });
    fc.assert(
      fc.property(
        fc.array(piece(['\n', '\r\n']), { minLength: 4, maxLength: 4 }),
        piece([]),
        piece([]),
        fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
        (literals, a, b, newline) => {
          const template = parseTemplate(`${literals[0]}{{a}}${literals[1]}{{b}}${literals[2]}{{a}}${literals[3]}`, 't.txt', 'text', names);
          const filled = fillTemplate(template, { a, b });
          const fast = textQpEncoder(template, newline).encode({ a, b });
          const usable = a !== '' && b !== '' && literals[1] !== '' && literals[2] !== '';
          expect(fast).toBe(usable ? qpEncode(newline === '\r\n' ? filled.replace(/\r?\n/g, '\r\n') : filled) : undefined);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('leaves a value with a line break to the caller', () => {
    const template = parseTemplate('a {{a}} b', 't.txt', 'text', names);
    expect(textQpEncoder(template, '\n').encode({ a: 'x\ny' })).toBeUndefined();
  });
});
