import { controlCharProblem, showControlChars } from './control-chars.js';

describe('controlCharProblem', () => {
  it.each([
    ['a\nb', 'contains a line break'],
    ['a\rb', 'contains a line break'],
    ['a\tb', 'contains the control character U+0009'],
    ['a\u007fb', 'U+007F'],
    ['a\u2029b', 'U+2029'],
    ['a\u2028b', 'U+2028'],
    ['Ana\u0085Bcc: evil@attacker.org', 'U+0085'],
    ['a\u009b2J', 'U+009B'],
  ])('%j %s', (value, reason) => {
    expect(controlCharProblem(value)).toBe(reason.startsWith('contains') ? reason : `contains the control character ${reason}`);
  });

  it.each([['\u202egro.elpmaxe@nimda'], ['Ana\u2066x\u2069'], ['An\u200Ba'], ['An\u2060a'], ['An\uFEFFa']])(
    'refuses the invisible formatting character of %j',
    (value) => {
      expect(controlCharProblem(value)).toMatch(
        /^contains the invisible formatting character U\+[0-9A-F]{4}, which can disguise the text around it$/,
      );
    },
  );

  it('accepts any printable text, in any language, emoji sequences and joiners included', () => {
    expect(controlCharProblem('Chloé 李 «beta» 🎵')).toBeNull();
    expect(controlCharProblem('👩\u200D🎤 می\u200Cخواهم')).toBeNull();
  });
});

// Found by mutation testing: showControlChars had no spec of its own in this lib (only the CLI's decision spec reached it).
describe('showControlChars', () => {
  it('shows every control and invisible formatting character as \\uXXXX, and leaves the rest as it is', () => {
    expect(showControlChars('ok\u001b[31mred\u0007 \u202egro \u2028é 🎵')).toBe('ok\\u001b[31mred\\u0007 \\u202egro \\u2028é 🎵');
    expect(showControlChars('Chloé 李')).toBe('Chloé 李');
  });
});
