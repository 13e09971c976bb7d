import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { readmeErrorTable } from '@veza/test-support';
import { SETTINGS_ERROR_CODES, SettingsInvalidError, formatProblems, settingsOrThrow } from './index.js';

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md');

describe('error codes', () => {
  it('the README error table lists exactly SETTINGS_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(README);
    expect(rows.map((row) => row.code)).toEqual([...SETTINGS_ERROR_CODES]);
    for (const row of rows) expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
  });

  it('every code carries the one prefix of this lib', () => {
    for (const code of SETTINGS_ERROR_CODES) expect(code).toMatch(/^SETTINGS_[A-Z0-9_]+$/);
  });
});

describe('settingsOrThrow and formatProblems', () => {
  const problems = [
    { field: 'PORT', message: 'must be at most 65535' },
    { field: 'LOG_LEVEL', message: 'must be one of info, warn' },
  ];

  it('throws SETTINGS_INVALID listing every problem', () => {
    expect(() => settingsOrThrow({ ok: false, problems, warnings: [] })).toThrow(SettingsInvalidError);
    expect(() => settingsOrThrow({ ok: false, problems, warnings: [] })).toThrow(
      'settings are invalid: PORT must be at most 65535; LOG_LEVEL must be one of info, warn',
    );
    expect(settingsOrThrow({ ok: true, value: 1, warnings: [] })).toBe(1);
  });

  it('prints one line per problem, prefixed by the app', () => {
    expect(formatProblems(problems, { app: 'monitor-worker' })).toBe(
      'monitor-worker: configuration error: PORT must be at most 65535\nmonitor-worker: configuration error: LOG_LEVEL must be one of info, warn\n',
    );
    expect(formatProblems([{ field: 'X_Y', message: 'is not a setting' }], { app: 'a', label: 'warning' })).toBe(
      'a: warning: X_Y is not a setting\n',
    );
  });
});
