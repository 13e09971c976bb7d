import { controlCharProblem } from './control-chars.js';

describe('controlCharProblem', () => {
  it.each([
    ['a\nb', 'contains a line break'],
    ['a\rb', 'contains a line break'],
    ['a\tb', 'contains the control character U+0009'],
    ['a\u007fb', 'U+007F'],
    ['a\u2029b', 'U+2029'],
  ])('%j %s', (value, reason) => {
    expect(controlCharProblem(value)).toBe(reason.startsWith('contains') ? reason : `contains the control character ${reason}`);
  });

  it('accepts any printable text, in any language', () => {
    expect(controlCharProblem('Chloé 李 «beta» 🎵')).toBeNull();
  });
});
