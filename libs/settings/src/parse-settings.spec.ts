import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { httpUrlField, wholeNumberField } from './fields.js';
import { maskUrlPassword, parseSettings } from './parse-settings.js';

const schema = z.object({
  PORT: wholeNumberField(0, 65535).default(8080),
  TOKEN: z.string().min(24, 'must be at least 24 characters, not "short"').optional(),
  HOOK: httpUrlField().optional(),
  NAME: z.string({ error: 'is required' }),
});

describe('parseSettings', () => {
  it('reads only the schema keys, trims, treats blank as unset, applies defaults', () => {
    const result = parseSettings(schema, { PORT: '  ', NAME: ' veza ', OTHER: 'x' });
    expect(result).toEqual({ ok: true, value: { PORT: 8080, NAME: 'veza' }, warnings: [] });
  });

  it('lists every bad variable at once, by name', () => {
    const result = parseSettings(schema, { PORT: '70000', HOOK: 'ftp://x' }, { showValues: true });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([
      { field: 'PORT', message: 'must be at most 65535 (got "70000")' },
      { field: 'HOOK', message: 'must be an http(s) URL (got "ftp://x")' },
      { field: 'NAME', message: 'is required' },
    ]);
  });

  it('never shows a secret: not appended, quoted text hidden, the value masked anywhere', () => {
    const result = parseSettings(
      schema,
      { TOKEN: 'hunter2', NAME: 'has hunter2 inside', PORT: 'hunter2' },
      { secrets: ['TOKEN'], showValues: true },
    );
    if (result.ok) throw new Error('expected problems');
    const text = JSON.stringify(result.problems);
    expect(text).not.toContain('hunter2');
    expect(result.problems.find((p) => p.field === 'TOKEN')?.message).toBe('must be at least 24 characters, not (value hidden)');
  });

  it('keeps an untrimmed variable as given, so a rule can refuse its spaces', () => {
    const spaced = z.object({ TOKEN: z.string().refine((t) => !/\s/.test(t), 'must not contain whitespace') });
    expect(parseSettings(spaced, { TOKEN: 'abc ' }, { untrimmed: ['TOKEN'] })).toMatchObject({ ok: false, problems: [{ field: 'TOKEN' }] });
    expect(parseSettings(spaced, { TOKEN: 'abc ' })).toMatchObject({ ok: true, value: { TOKEN: 'abc' } });
  });

  it("maskUrlPassword hides a password whole, whatever it holds, and libpq's ?password=", () => {
    expect(maskUrlPassword('postgres://ops:pa ss word@db:5432/veza')).toBe('postgres://ops:***@db:5432/veza');
    expect(maskUrlPassword('postgres://ops:pa/ss@wd@db/veza')).toBe('postgres://ops:***@db/veza');
    expect(maskUrlPassword('postgres://ops@db/veza?sslmode=require&password=s3cr3t')).toBe(
      'postgres://ops@db/veza?sslmode=require&password=***',
    );
    expect(maskUrlPassword('https://status.veza.fr/api')).toBe('https://status.veza.fr/api');
    // an @ in the query or fragment is not the end of the user info: the host shown is the one used
    expect(maskUrlPassword('postgres://user@host:5432/db?application_name=a@b')).toBe('postgres://user@host:5432/db?application_name=a@b');
    expect(maskUrlPassword('postgres://u:pw@h/db#frag@x')).toBe('postgres://u:***@h/db#frag@x');
    expect(maskUrlPassword('postgres://u:pa?ss@h/db')).toBe('postgres://u:***@h/db');
    expect(maskUrlPassword('not a url: a:b@c')).toBe('not a url: a:b@c');
  });

  it('hides the user info of a URL in a variable that is no secret, where a message quotes the value itself', () => {
    // as the API's CORS_ORIGINS and TRUST_PROXY word their refusals: the value quoted whole, and so its password
    const quoting = z.object({
      ORIGINS: z.string().refine((text) => !text.includes('@'), { error: (issue) => `"${String(issue.input)}" is not an origin` }),
      LIST: z.string().refine(() => false, { error: (issue) => `entries ${String(issue.input)} refused` }),
    });
    const result = parseSettings(
      quoting,
      { ORIGINS: 'https://ops:Pa55w0rd-x@veza.fm', LIST: 'https://veza.fm,https://ops:0ther-Pw@b.fm' },
      { showValues: true },
    );
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([
      { field: 'ORIGINS', message: '"https://***@veza.fm" is not an origin' },
      { field: 'LIST', message: 'entries https://veza.fm,https://***@b.fm refused' },
    ]);
  });

  it("hides a token given as a URL's user name (https://TOKEN@host) where the value is shown", () => {
    const result = parseSettings(schema, { HOOK: 'ftp://ghp_16SWP2V9CXSNXJ4Z@github.com/x', NAME: 'n' }, { showValues: true });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([{ field: 'HOOK', message: 'must be an http(s) URL (got "ftp://***@github.com/x")' }]);
  });

  it("hides a secret URL's password pasted alone into another variable", () => {
    const result = parseSettings(
      schema.extend({ DATABASE_URL: z.string().optional() }),
      { DATABASE_URL: 'postgres://ops:PgPa%24s0rd@db/veza', PORT: 'PgPa$s0rd', NAME: 'x' },
      { secrets: ['DATABASE_URL'], showValues: true },
    );
    expect(JSON.stringify(result)).not.toMatch(/PgPa/);
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'PORT' }] });
  });
});
