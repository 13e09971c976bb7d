import { decodeRows, mapDbError } from './db-errors.js';
import { DatabaseNotMigratedError, DatabaseUnreachableError, UnexpectedRowError } from './errors.js';

describe('decodeRows', () => {
  const spec = { id: 'string', n: 'number', alive: 'boolean', at: 'date?' } as const;

  it('reads both drivers alike: an array (postgres.js) or { rows } (PGlite), counts and timestamps as text or parsed', () => {
    const fromPostgres = decodeRows([{ id: 'a', n: '42', alive: true, at: '2026-11-28T10:00:00.000Z' }], spec, 'q');
    const fromPglite = decodeRows({ rows: [{ id: 'a', n: 42, alive: true, at: new Date('2026-11-28T10:00:00.000Z') }] }, spec, 'q');
    expect(fromPostgres).toEqual(fromPglite);
    expect(fromPglite).toEqual([{ id: 'a', n: 42, alive: true, at: new Date('2026-11-28T10:00:00.000Z') }]);
    expect(decodeRows([{ id: 'b', n: 0, alive: false, at: null }], spec, 'q')[0]?.at).toBeNull();
  });

  it.each([
    ['a missing column', { n: 1, alive: true, at: null }, 'column id is undefined, expected string'],
    ['null where none is allowed', { id: null, n: 1, alive: true, at: null }, 'column id is null, expected string'],
    ['text that is not a number', { id: 'secret-value', n: 'x1', alive: true, at: null }, 'column n is string, expected number'],
    ['a boolean as text', { id: 'a', n: 1, alive: 't', at: null }, 'column alive is string, expected boolean'],
    ['a timestamp that does not parse', { id: 'a', n: 1, alive: true, at: 'soon' }, 'column at is string, expected date?'],
  ])('refuses %s with INVITES_DB_UNEXPECTED_ROW, naming the column and never the value', (_, row, reason) => {
    let caught: unknown;
    try {
      decodeRows([row], spec, 'someQuery');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UnexpectedRowError);
    expect(caught).toMatchObject({ code: 'INVITES_DB_UNEXPECTED_ROW', message: `unexpected row from someQuery: ${reason}` });
    expect((caught as Error).message).not.toContain('secret-value');
  });

  it('refuses a result that has no rows at all', () => {
    expect(() => decodeRows({ command: 'UPDATE' }, spec, 'q')).toThrow(UnexpectedRowError);
  });
});

describe('mapDbError', () => {
  /** drizzle's wrapper, as drizzle-orm 0.45 builds it: the statement and its parameters in the message, the driver's error as cause. */
  const wrapped = (cause: unknown) =>
    Object.assign(new Error('Failed query: INSERT INTO beta_invites …\nparams: 30,[{"e":"ana@example.org"}]'), { cause });

  it("passes on the driver's error, never the statement and its parameters", () => {
    const driver = Object.assign(new Error('refused by a trigger'), { code: 'P0001' });
    expect(mapDbError(wrapped(driver))).toBe(driver);
  });

  it('takes a cause made in another realm (an Error that instanceof does not know), and still maps what it means', () => {
    const foreign = { code: 'P0001', message: 'refused by a trigger' };
    expect(mapDbError(wrapped(foreign))).toBe(foreign);
    expect(mapDbError(wrapped({ code: '42P01', message: 'relation "beta_invites" does not exist' }))).toBeInstanceOf(
      DatabaseNotMigratedError,
    );
    expect(mapDbError(wrapped({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }))).toBeInstanceOf(DatabaseUnreachableError);
  });

  it("the database's own files missing (58P01: an embedded folder deleted under it) is unreachable, not a bug (500)", () => {
    const missing = mapDbError(wrapped({ code: '58P01', message: 'could not open file "base/5/2701": No such file or directory' }));
    expect(missing).toBeInstanceOf(DatabaseUnreachableError);
    expect((missing as Error).message).toBe(
      'cannot reach the database: could not open file "base/5/2701": No such file or directory — the database\'s files are missing: was its folder deleted or moved while this process ran?',
    );
  });

  it('a missing table without a target says "the database", once', () => {
    expect((mapDbError({ code: '42P01', message: 'relation "beta_invites" does not exist' }) as Error).message).toBe(
      "the database has no beta_invites table; run 'veza-beta db migrate' first",
    );
  });

  it('leaves other errors as they are', () => {
    const plain = new Error('Failed query: with no cause');
    expect(mapDbError(plain)).toBe(plain);
  });
});
