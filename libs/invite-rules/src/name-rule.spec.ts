import { nameProblem } from './name-rule.js';

describe('nameProblem', () => {
  it.each(['Ana Lopez', 'Chloé', '李小龙', 'O\'Brien, Inès "Nes"', '{single braces}', 'x'.repeat(200), ''])('accepts %j', (name) => {
    expect(nameProblem(name)).toBeNull();
  });

  it.each([
    ['x'.repeat(201), 'longer than 200 characters'],
    ['Ana\nBcc: x@y.z', 'contains a line break'],
    ['Ana\u0007', 'U+0007'],
    ['Ana\u2028', 'U+2028'],
    ['Ana {{code}}', '"{{" or "}}"'],
    ['{{', '"{{" or "}}"'],
    ['Ana }}', '"{{" or "}}"'],
  ])('refuses %j: %s', (name, reason) => {
    expect(nameProblem(name)).toContain(reason);
  });
});
