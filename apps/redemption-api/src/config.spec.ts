import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULTS, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('gives the documented defaults for an empty environment, frozen', () => {
    const result = parseConfig({});
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value).toEqual({
      database: { url: undefined, dataDir: undefined },
      port: 8080,
      host: '127.0.0.1',
      corsOrigins: [],
      adminToken: undefined,
      rateLimitPerMinute: DEFAULTS.rateLimitPerMinute,
      bodyLimitBytes: DEFAULTS.bodyLimitBytes,
      logLevel: 'info',
      trustProxy: false,
      shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
      adminFailuresPerMinute: DEFAULTS.adminFailuresPerMinute,
      feedbackUrl: undefined,
      discordUrl: undefined,
      welcome: undefined,
    });
    expect(Object.isFrozen(result.value)).toBe(true);
    expect(Object.isFrozen(result.value.corsOrigins)).toBe(true);
  });

  it('reads every variable, treating blank values as unset', () => {
    const result = parseConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/veza',
      PORT: ' 9000 ',
      HOST: '0.0.0.0',
      CORS_ORIGINS: 'https://veza.fm, http://localhost:5173 ,',
      ADMIN_TOKEN: 'Zq8vN2c-Hk4tRw9xLm3pYb7sJd1F',
      RATE_LIMIT_PER_MINUTE: '12',
      BODY_LIMIT_BYTES: '2048',
      LOG_LEVEL: 'warn',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      SHUTDOWN_TIMEOUT_MS: '',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      corsOrigins: ['https://veza.fm', 'http://localhost:5173'],
      rateLimitPerMinute: 12,
      bodyLimitBytes: 2048,
      logLevel: 'warn',
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
    });
    expect(parseConfig({ TRUST_PROXY: '2' })).toMatchObject({ ok: true, value: { trustProxy: 2 } });
  });

  it('refuses TRUST_PROXY=true, saying what to use behind one load balancer', () => {
    const result = parseConfig({ TRUST_PROXY: 'true' });
    if (result.ok) throw new Error('expected an error');
    expect(result.problems).toEqual([
      { field: 'TRUST_PROXY', message: expect.stringMatching(/true is refused: .*behind one load balancer use 1/) },
    ]);
  });

  it.each([
    ['internal whitespace', 'Zq8vN2cHk4t Rw9xLm3pYb7sJd1F', /must not contain whitespace/],
    ['a trailing space', 'Zq8vN2cHk4tRw9xLm3pYb7sJd1F ', /must not contain whitespace/],
    ['24 identical characters', 'a'.repeat(24), /too little entropy/],
    ['a short pattern repeated', 'abcabcabcabcabcabcabcabc', /too little entropy/],
  ])('refuses an ADMIN_TOKEN with %s, with the reason and without the token', (_label, token, reason) => {
    const result = parseConfig({ ADMIN_TOKEN: token });
    if (result.ok) throw new Error('expected an error');
    expect(result.problems.map((e) => e.field)).toEqual(['ADMIN_TOKEN']);
    expect(result.problems[0]?.message).toMatch(reason);
    expect(JSON.stringify(result.problems)).not.toContain(token.trim());
  });

  it('accepts tokens from openssl rand -base64 32 / -hex 16', () => {
    for (const token of ['rmiXjeQ0kY1Jm9c6Zr+VbQvQp3a9oW2m9tA1+HqTnA8=', '6f1c2a9b8e7d4c3b2a190f8e7d6c5b4a'])
      expect(parseConfig({ ADMIN_TOKEN: token }).ok).toBe(true);
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '8080.5'],
    ['CORS_ORIGINS', 'veza.fm'],
    ['CORS_ORIGINS', 'https://veza.fm/signup'],
    ['CORS_ORIGINS', 'ftp://veza.fm'],
    ['BODY_LIMIT_BYTES', '10'],
    ['BODY_LIMIT_BYTES', '1e6'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['HOST', 'not a host'],
    ['FEEDBACK_URL', 'javascript:alert(1)'],
    ['DISCORD_URL', 'discord.gg/x'],
    ['FEEDBACK_URL', 'https://ops:PgPass0rd@forms.example.org/f'], // shown to every visitor of /signup
    ['DISCORD_URL', 'https://discord.gg\\@evil.example/x'],
    ['SHUTDOWN_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%j, naming the variable', (variable, value) => {
    const result = parseConfig({ [variable]: value });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((e) => e.field)).toEqual([variable]);
  });

  it("refuses a signup page link holding an HTML entity, as the emails' settings do, with or without WELCOME_EMAIL", () => {
    // the page showed every tester who signed up the link as copied from a page's source: the form got "amp;entry.2"
    const copied = 'https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&amp;entry.2=email';
    const result = parseConfig({ FEEDBACK_URL: copied });
    expect(result.ok ? [] : result.problems.map((p) => `${p.field} ${p.message}`)).toEqual([
      `FEEDBACK_URL contains "&amp;", an HTML-escaped "&" (a link copied from a page's source): write "&" instead (got "${copied}")`,
    ]);
    const discord = parseConfig({ DISCORD_URL: 'https://discord.gg/veza?a=1&#x26;b=2' });
    expect(discord.ok ? [] : discord.problems.map((p) => p.field)).toEqual(['DISCORD_URL']);
    expect(parseConfig({ FEEDBACK_URL: 'https://f.example/x?a=1&b=2&ampere=3' }).ok).toBe(true);
  });

  it('a link with a login is refused with its password masked', () => {
    const result = parseConfig({ FEEDBACK_URL: 'https://ops:PgPass0rd@forms.example.org/f' });
    expect(JSON.stringify(result)).not.toContain('PgPass0rd');
  });

  it('reports every bad variable at once, never echoing secrets', () => {
    const result = parseConfig({ ADMIN_TOKEN: 'tooshort', DATABASE_URL: 'http://user:pw@db', PORT: 'x' });
    if (result.ok) throw new Error('expected errors');
    expect(result.problems.map((e) => e.field).sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'PORT']);
    const text = JSON.stringify(result.problems);
    expect(text).not.toContain('tooshort');
    expect(text).not.toContain('pw@db');
    expect(result.problems.find((e) => e.field === 'PORT')?.message).toContain('(got "x")');
  });

  it('a blank DATABASE_URL is refused with the other problems, not read as the embedded database', () => {
    const result = parseConfig({ DATABASE_URL: '', PORT: 'x' });
    if (result.ok) throw new Error('expected errors');
    expect(result.problems.map((e) => e.field).sort()).toEqual(['DATABASE_URL', 'PORT']);
    expect(result.problems.find((e) => e.field === 'DATABASE_URL')?.message).toMatch(/^is set but empty/);
    expect(parseConfig({}).ok).toBe(true);
  });

  it('a blank VEZA_DATA_DIR without a DATABASE_URL is refused, not read as .veza/ in the working directory', () => {
    const result = parseConfig({ VEZA_DATA_DIR: ' ' });
    if (result.ok) throw new Error('expected errors');
    expect(result.problems).toEqual([
      { field: 'VEZA_DATA_DIR', message: expect.stringMatching(/^is set but empty .*unset VEZA_DATA_DIR/) },
    ]);
    // with a DATABASE_URL the folder is not used: a blank one is let be
    expect(parseConfig({ DATABASE_URL: 'postgres://u:p@db/veza', VEZA_DATA_DIR: '' }).ok).toBe(true);
  });

  it('a VEZA_DATA_DIR naming the database folder itself (…/.veza/db) is refused, naming the folder to give: the API served an empty database from …/.veza/db/db', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-api-data-dir-'));
    try {
      mkdirSync(join(dir, '.veza', 'db'), { recursive: true });
      writeFileSync(join(dir, '.veza', 'db', 'PG_VERSION'), '18\n');
      const result = parseConfig({ VEZA_DATA_DIR: join(dir, '.veza', 'db') });
      if (result.ok) throw new Error('expected errors');
      expect(result.problems).toEqual([
        {
          field: 'VEZA_DATA_DIR',
          message: expect.stringMatching(new RegExp(`^is the database folder itself .*set VEZA_DATA_DIR=${join(dir, '.veza')}$`)),
        },
      ]);
      expect(parseConfig({ VEZA_DATA_DIR: join(dir, '.veza') }).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WELCOME_EMAIL=1 needs a transport and the email settings, lists every problem, and never echoes SMTP_URL', () => {
    const bare = parseConfig({ WELCOME_EMAIL: '1', SMTP_URL: 'smtp://u:s3cret@' });
    if (bare.ok) throw new Error('expected errors');
    expect(bare.problems.every((e) => e.field === 'WELCOME_EMAIL' || e.field === 'SMTP_URL')).toBe(true);
    expect(bare.problems.map((e) => e.message).join('\n')).toMatch(/welcome email cannot be built: .*FRONTEND_URL/);
    expect(JSON.stringify(bare.problems)).not.toContain('s3cret');
    const noTransport = parseConfig({
      WELCOME_EMAIL: '1',
      FRONTEND_URL: 'https://beta.veza.fr',
      FEEDBACK_URL: 'https://f.veza.fr',
      DISCORD_URL: 'https://discord.gg/veza',
      MAIL_FROM: 'beta@veza.fr',
    });
    if (noTransport.ok) throw new Error('expected errors');
    expect(noTransport.problems).toEqual([
      { field: 'WELCOME_EMAIL', message: expect.stringContaining('no transport is configured: set SMTP_URL or SEND_CMD') },
    ]);
    const on = parseConfig({
      WELCOME_EMAIL: '1',
      SEND_CMD: 'msmtp -t',
      FRONTEND_URL: 'https://beta.veza.fr',
      FEEDBACK_URL: 'https://f.veza.fr',
      DISCORD_URL: 'https://discord.gg/veza',
      MAIL_FROM: 'Veza <beta@veza.fr>',
    });
    if (!on.ok) throw new Error(JSON.stringify(on.problems));
    expect(on.value.welcome?.transportEnv).toEqual({ SEND_CMD: 'msmtp -t' });
    expect(on.value.welcome?.settings.from.address).toBe('beta@veza.fr');
    expect(parseConfig({ WELCOME_EMAIL: 'yes' })).toMatchObject({ ok: false, problems: [{ field: 'WELCOME_EMAIL' }] });
    const timed = parseConfig({
      WELCOME_EMAIL: '1',
      SEND_CMD: 'msmtp -t',
      SEND_TIMEOUT: '30',
      FRONTEND_URL: 'https://beta.veza.fr',
      FEEDBACK_URL: 'https://f.veza.fr',
      DISCORD_URL: 'https://discord.gg/veza',
      MAIL_FROM: 'Veza <beta@veza.fr>',
    });
    expect(timed.ok && timed.value.welcome?.transportEnv).toEqual({ SEND_CMD: 'msmtp -t', SEND_TIMEOUT: '30' });
    const badTimeout = parseConfig({ SEND_TIMEOUT: '1m' });
    expect(badTimeout.ok ? [] : badTimeout.problems).toEqual([
      { field: 'SEND_TIMEOUT', message: expect.stringContaining('must be a positive number of seconds') },
    ]);
    expect(parseConfig({ WELCOME_EMAIL: '0', SEND_CMD: 'msmtp -t' })).toMatchObject({ ok: true, value: { welcome: undefined } });
  });
});
