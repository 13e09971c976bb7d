import { nameProblem } from './name-rule.js';

describe('nameProblem', () => {
  it.each(['Ana Lopez', 'Chloé', '李小龙', 'O\'Brien, Inès "Nes"', '{single braces}', 'x'.repeat(200), '', 'Ana (=?) Lopez', 'Qui? =?'])(
    'accepts %j',
    (name) => {
      expect(nameProblem(name)).toBeNull();
    },
  );

  it.each([
    ['x'.repeat(201), 'longer than 200 characters'],
    ['Ana\nBcc: x@y.z', 'contains a line break'],
    ['Ana\u0007', 'U+0007'],
    ['Ana\u2028', 'U+2028'],
    ['Ana {{code}}', '"{{" or "}}"'],
    ['{{', '"{{" or "}}"'],
    ['Ana }}', '"{{" or "}}"'],
    ['Ana\u0085Bcc: x@y.z', 'U+0085'],
    ['\u202egro.elpmaxe@nimda', 'invisible formatting character U+202E'],
    ['=?UTF-8?B?QmNjOiBldmlsQGF0dGFja2VyLm9yZw==?=', 'hidden header word'],
    ['Ana =?iso-8859-1?q?=41?=', 'hidden header word'],
    ['FranÃ§ois', 'looks garbled'],
    ['Fran\ufffdois', 'U+FFFD'],
  ])('refuses %j: %s', (name, reason) => {
    expect(nameProblem(name)).toContain(reason);
  });
});
