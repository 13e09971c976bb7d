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
