import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorTable } from '@veza/test-support';
import { EMAIL_ERROR_CODES } from './index.js';

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md');

describe('error codes', () => {
  it('the README error table lists exactly EMAIL_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(README);
    expect(rows.map((row) => row.code)).toEqual([...EMAIL_ERROR_CODES]);
    for (const row of rows) {
      expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
    }
  });

  it('every code carries the one prefix of this lib', () => {
    for (const code of EMAIL_ERROR_CODES) expect(code).toMatch(/^EMAIL_[A-Z0-9_]+$/);
  });
});
