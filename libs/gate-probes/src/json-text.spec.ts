import { jsonText } from './json-text.js';

describe('jsonText', () => {
  it('prints scalars, shows objects as JSON and absent values as the fallback', () => {
    expect(jsonText('abc')).toBe('abc');
    expect(jsonText(42)).toBe('42');
    expect(jsonText(false)).toBe('false');
    expect(jsonText({ a: 1 })).toBe('{"a":1}');
    expect(jsonText(null, '?')).toBe('?');
    expect(jsonText(undefined, '?')).toBe('?');
    expect(jsonText(undefined)).toBe('');
  });
});
