import { describe, expect, it } from '@jest/globals';
import { problemText } from './problem.js';
import type { Validation } from './problem.js';

describe('problemText', () => {
  it('puts the field first, then the reason', () => {
    expect(problemText({ field: 'PORT', message: 'must be at most 65535' })).toBe('PORT must be at most 65535');
  });

  it('is the field alone when there is no reason', () => {
    expect(problemText({ field: 'UNKNOWN_LIMIT is no longer read', message: '' })).toBe('UNKNOWN_LIMIT is no longer read');
  });

  it('narrows on ok', () => {
    const failed = { ok: false, problems: [{ field: 'a', message: 'b' }], warnings: [] } as Validation<number>;
    expect(failed.ok ? failed.value : failed.problems.map(problemText)).toEqual(['a b']);
  });
});
