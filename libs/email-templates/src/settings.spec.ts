import { problemText } from '@veza/invite-rules';
import { emailSettingsFromEnv, parseMailbox, validateEmailSettings } from './settings.js';
import { sampleEmailSettings } from './testing.js';

describe('validateEmailSettings', () => {
  it('accepts the sample settings and fills the documented defaults', () => {
    const result = validateEmailSettings(sampleEmailSettings());
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value.frontendUrl).toBe('https://beta.veza.example');
    expect(result.value.from).toEqual({ name: "L'équipe Veza", address: 'beta@veza.example' });
    expect(result.value.subject).toBe('Ton invitation à la bêta de Veza');
    expect(result.value.timeZone).toBe('Europe/Paris');
    expect(Object.isFrozen(result.value)).toBe(true);
  });

  it('reports every missing required setting at once, by its variable name', () => {
    const result = emailSettingsFromEnv({});
    if (result.ok) throw new Error('expected problems');
    expect(result.problems).toEqual([
      { field: 'FRONTEND_URL', message: 'is required' },
      { field: 'FEEDBACK_URL', message: 'is required' },
      { field: 'DISCORD_URL', message: 'is required' },
      { field: 'MAIL_FROM', message: 'is required' },
    ]);
  });

  it('rejects non-http URLs, unknown keys, bad zones and header values with line breaks', () => {
    const result = validateEmailSettings({
      ...sampleEmailSettings({ frontendUrl: 'javascript:alert(1)', subject: 'Salut\r\nBcc: x@evil.example', timeZone: 'Mars/Olympus' }),
      extra: 'x',
    } as never);
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(problemText)).toEqual([
      'extra is not an email setting',
      'FRONTEND_URL must be an http(s) URL (got "javascript:alert(1)")',
      'MAIL_SUBJECT contains a line break or control character (got "Salut\\r\\nBcc: x@evil.example")',
      'MAIL_TIMEZONE is not an IANA time zone (got "Mars/Olympus")',
    ]);
  });

  it('refuses links that would leak a password to every tester or send the code elsewhere, and senders the recipients rule refuses', () => {
    const base = { FEEDBACK_URL: 'https://f.example/x?usp=sf_link', DISCORD_URL: 'https://d.example/y', MAIL_FROM: 'beta@veza.example' };
    const refused = (env: Record<string, string>) => {
      const result = emailSettingsFromEnv({ FRONTEND_URL: 'https://beta.veza.example', ...base, ...env });
      return result.ok ? [] : result.problems.map(problemText);
    };
    expect(refused({})).toEqual([]); // a query in a plain link (a form's) is fine
    const password = refused({ FRONTEND_URL: 'https://ops:s3cret@staging.veza.fr' });
    expect(password.join()).toContain('FRONTEND_URL contains a user name or password, which every recipient would see');
    expect(password.join()).not.toContain('s3cret');
    expect(refused({ DISCORD_URL: 'https://u@d.example/y' }).join()).toContain('DISCORD_URL contains a user name or password');
    for (const url of ['https://staging.veza.fr/?ref=mail', 'https://staging.veza.fr/#', 'https://staging.veza.fr/app/?'])
      expect(refused({ FRONTEND_URL: url }).join()).toContain('FRONTEND_URL has a query or fragment');
    expect(refused({ FRONTEND_URL: 'https://evil.example\\@staging.veza.fr' }).join()).toContain('FRONTEND_URL contains a backslash');
    expect(refused({ MAIL_FROM: 'Veza <béta@veza.fr>' }).join()).toContain('MAIL_FROM contains the non-ASCII character "é"');
    expect(refused({ MAIL_FROM: 'Veza <beta@v\u0435za.fr>' }).join()).toContain('MAIL_FROM contains the non-ASCII character');
    expect(refused({ MAIL_REPLY_TO: 'ops@v\u0435za.fr' }).join()).toContain('MAIL_REPLY_TO contains the non-ASCII character');
    expect(refused({ MAIL_REPLY_TO: 'evil@[1.2.3.4]' })).toHaveLength(1);
    expect(refused({ MAIL_FROM: 'Veza\u0085Bcc: evil@attacker.org <beta@veza.fr>' }).join()).toContain(
      'MAIL_FROM contains a line break or control character',
    );
    expect(refused({ MAIL_SUBJECT: 'Salut\u2028Bcc: evil@attacker.org' }).join()).toContain(
      'MAIL_SUBJECT contains a line break or control character',
    );
    expect(refused({ MAIL_FROM: "L'équipe Veza <beta@veza.fr>" })).toEqual([]); // a display name in any language
    // a .env saved as Windows-1252 ("ANSI" in Notepad) is read as UTF-8: U+FFFD in the From and subject of every email
    const ansi = (text: string) => Buffer.from(text, 'latin1').toString('utf8');
    const garbled = refused({ MAIL_FROM: ansi("L'\xe9quipe Veza <beta@veza.fr>"), MAIL_SUBJECT: ansi('Ton invitation \xe0 la b\xeata') });
    expect(garbled).toHaveLength(2);
    expect(garbled[0]).toMatch(/^MAIL_FROM has a name that contains U\+FFFD .*read as UTF-8/);
    expect(garbled[1]).toMatch(/^MAIL_SUBJECT contains U\+FFFD /);
    // UTF-8 taken for Windows-1252 and saved again
    expect(refused({ MAIL_SUBJECT: 'Ton invitation Ã  la bÃªta' }).join()).toContain('MAIL_SUBJECT looks garbled: "Ãª" is how "ê" reads');
  });

  it('refuses a link holding an HTML entity: copied from a page source, it would reach every tester as "&amp;"', () => {
    const base = { FRONTEND_URL: 'https://beta.veza.example', DISCORD_URL: 'https://d.example/y', MAIL_FROM: 'beta@veza.example' };
    const refused = (env: Record<string, string>) => {
      const result = emailSettingsFromEnv({ FEEDBACK_URL: 'https://f.example/x?a=1&b=2', ...base, ...env });
      return result.ok ? [] : result.problems.map(problemText);
    };
    expect(refused({})).toEqual([]);
    // a prefilled form link copied from a page's HTML: the form would get "amp;entry.2" and lose the prefill
    expect(refused({ FEEDBACK_URL: 'https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&amp;entry.2=email' })).toEqual([
      'FEEDBACK_URL contains "&amp;", an HTML-escaped "&" (a link copied from a page\'s source): write "&" instead (got "https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&amp;entry.2=email")',
    ]);
    expect(refused({ DISCORD_URL: 'https://d.example/y?a=1&#38;b=2' }).join()).toContain(
      'DISCORD_URL contains "&#38;", an HTML-escaped "&"',
    );
    expect(refused({ MAIL_UNSUBSCRIBE: 'https://beta.veza.example/stop?list=beta&AMP;x=1' }).join()).toContain(
      'MAIL_UNSUBSCRIBE contains "&AMP;", an HTML-escaped "&"',
    );
    expect(refused({ FRONTEND_URL: 'https://beta.veza.example/a&lt;b' }).join()).toContain(
      'FRONTEND_URL contains "&lt;", an HTML-escaped "<"',
    );
    // a plain "&" and a name that only looks like one stay
    expect(refused({ FEEDBACK_URL: 'https://f.example/x?a=1&b=2&ampere=3' })).toEqual([]);
  });

  it("refuses an encoded word in the sender's name or a subject: mail programs would show other text than the preview", () => {
    const base = { FRONTEND_URL: 'https://beta.veza.example', FEEDBACK_URL: 'https://f.example/x', DISCORD_URL: 'https://d.example/y' };
    const refused = (env: Record<string, string>) => {
      const result = emailSettingsFromEnv({ MAIL_FROM: 'Veza <beta@veza.example>', ...base, ...env });
      return result.ok ? [] : result.problems.map(problemText);
    };
    // written inside a quoted string (a defect to Python's email), then decoded by it and others as "Bcc: x"
    expect(refused({ MAIL_FROM: '=?utf-8?q?Bcc=3A_x?= <beta@veza.example>' })).toEqual([
      'MAIL_FROM has a name that contains "=?…?B?" or "=?…?Q?", which mail programs decode as a hidden header word (got "=?utf-8?q?Bcc=3A_x?= <beta@veza.example>")',
    ]);
    expect(refused({ MAIL_REPLY_TO: 'Veza =?utf-8?b?QWRtaW4=?= <ops@veza.example>' }).join()).toContain(
      'MAIL_REPLY_TO has a name that contains "=?…?B?"',
    );
    expect(refused({ MAIL_SUBJECT: '=?utf-8?B?8J+OpyBVcmdlbnQgISEh?=' }).join()).toContain(
      'MAIL_SUBJECT contains "=?…?B?" or "=?…?Q?", which mail programs decode as a hidden header word',
    );
    const welcome = validateEmailSettings(sampleEmailSettings({ welcomeSubject: 'Bienvenue =?utf-8?q?=21?=' }));
    expect(welcome.ok ? [] : welcome.problems.map(problemText)).toEqual([
      'welcomeSubject contains "=?…?B?" or "=?…?Q?", which mail programs decode as a hidden header word',
    ]);
    expect(refused({ MAIL_FROM: '"Veza =? bêta" <beta@veza.example>', MAIL_SUBJECT: 'Une question =? Réponds' })).toEqual([]);
  });

  it('reads the env names of the design, reply-to defaulting to from and unsubscribe to a mailto of it', () => {
    const result = emailSettingsFromEnv({
      FRONTEND_URL: 'https://beta.veza.example/',
      FEEDBACK_URL: 'https://f.example/x',
      DISCORD_URL: 'https://d.example/y',
      MAIL_FROM: 'beta@veza.example',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value.frontendUrl).toBe('https://beta.veza.example');
    expect(result.value.replyTo).toEqual({ address: 'beta@veza.example' });
    expect(result.value.unsubscribe).toEqual({ mailto: 'beta@veza.example' });
  });
});

describe('parseMailbox', () => {
  it.each([
    ['Veza <beta@veza.example>', { name: 'Veza', address: 'beta@veza.example' }],
    ['"Veza, la bêta" <beta@veza.example>', { name: 'Veza, la bêta', address: 'beta@veza.example' }],
    ['beta@veza.example', { address: 'beta@veza.example' }],
  ])('parses %s', (text, value) => {
    expect(parseMailbox(text)).toEqual({ ok: true, value });
  });

  it.each(['Veza <beta@veza.example>\nBcc: x@evil.example', 'not an address', 'a@b'])('rejects %j', (text) => {
    expect(parseMailbox(text).ok).toBe(false);
  });
});
