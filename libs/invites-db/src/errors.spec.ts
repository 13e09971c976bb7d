import { pgliteStartFailure } from './connect.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorTable } from '@veza/test-support';
import { INVITES_DB_ERROR_CODES } from './index.js';
import { DatabaseNewerError, redactUrls } from './errors.js';

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md');

describe('error codes', () => {
  it('the README error table lists exactly INVITES_DB_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(README);
    expect(rows.map((row) => row.code)).toEqual([...INVITES_DB_ERROR_CODES]);
    for (const row of rows) {
      expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
    }
  });

  it('every code carries the one prefix of this lib', () => {
    for (const code of INVITES_DB_ERROR_CODES) expect(code).toMatch(/^INVITES_[A-Z0-9_]+$/);
  });

  it("INVITES_DB_NEWER's advice is the README's install, npm install: npm ci refuses this lock (tools/install.sh)", () => {
    const { message } = new DatabaseNewerError(['1001_left_out_guard.sql']);
    expect(message).toContain('Update this one (git pull && npm install)');
    expect(message).not.toContain('npm ci');
  });

  it('redacts passwords in URLs quoted by driver messages', () => {
    expect(redactUrls('failed: postgres://veza:s3cr3t@db:5432/veza')).toBe('failed: postgres://veza:***@db:5432/veza');
    expect(redactUrls('postgres://veza@db/veza?sslmode=require&password=s3cr3t&x=1: refused')).toBe(
      'postgres://veza@db/veza?sslmode=require&password=***&x=1: refused',
    );
    expect(redactUrls('postgres://db/veza?PASSWORD=s3cr3t')).toBe('postgres://db/veza?PASSWORD=***');
  });
});

describe('pgliteStartFailure', () => {
  it("turns PGlite's own words into a reason an operator can act on, and leaves other messages as they are", () => {
    expect(pgliteStartFailure(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).toMatch(
      /^Aborted\(\)\. Build with -sASSERTIONS for more info\. — the embedded database did not start: is its disk full/,
    );
    expect(pgliteStartFailure(new Error('PGlite failed to initialize properly'))).toContain('is its disk full');
    expect(pgliteStartFailure(new Error('EACCES: permission denied'))).toBe('EACCES: permission denied');
    // what PGlite throws on a full disk (seen on a 2 MB tmpfs): not "[object Object]"
    expect(pgliteStartFailure({ name: 'ErrnoError', errno: 51 })).toMatch(
      /^no space left on the device \[ENOSPC\] — the embedded database did not start/,
    );
  });

  it("names a file-size limit (ulimit -f) below PostgreSQL's file sizes first: under one PGlite aborted at start, said to be a full disk", () => {
    const aborted = new Error('Aborted(). Build with -sASSERTIONS for more info.');
    expect(pgliteStartFailure(aborted, 8192)).toBe(
      'Aborted(). Build with -sASSERTIONS for more info. — the embedded database did not start: this process may write files of at most 8192 bytes (ulimit -f), and PostgreSQL writes files of 16 MiB (its write-ahead log) and more: raise the limit (ulimit -f unlimited) and run the command again; the data is kept. Otherwise: is its disk full, or its folder damaged or from another version? Free some space and run the command again; the data is kept',
    );
    expect(pgliteStartFailure(aborted, 2 ** 40)).not.toContain('ulimit -f');
    expect(pgliteStartFailure(aborted, null)).not.toContain('ulimit -f');
  });
});
