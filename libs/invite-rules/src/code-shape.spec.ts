import { CODE_ALPHABET, CODE_LENGTH, CODE_PATTERN } from './code-shape.js';

describe('code shape', () => {
  it('the pattern is exactly CODE_LENGTH characters of CODE_ALPHABET', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(CODE_PATTERN.test(CODE_ALPHABET.slice(0, CODE_LENGTH))).toBe(true);
    expect(CODE_PATTERN.test(CODE_ALPHABET.slice(16, 16 + CODE_LENGTH))).toBe(true);
    for (const letter of 'ILOU') expect(CODE_PATTERN.test(letter.repeat(CODE_LENGTH))).toBe(false);
    expect(CODE_PATTERN.test('7K3M-Q9ZD-1XWN-4T8R')).toBe(false);
    expect(CODE_PATTERN.test('7k3mq9zd1xwn4t8r')).toBe(false);
    expect(CODE_PATTERN.test('7K3MQ9ZD1XWN4T8')).toBe(false);
  });
});
