import { expect } from '@jest/globals';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import fc from 'fast-check';
import { buildEml, buildInviteEml, compileInviteTemplate, validateEmailSettings } from '../src/index.js';
import { buildWelcomeEml } from '../src/welcome.js';
import type { CompiledInvite, EmailSettings } from '../src/index.js';
import { mailboxHeaderLine } from '../src/mailbox-header.js';
import { sampleEmailSettings, sampleRecipient } from '../src/testing.js';

const date = new Date('2026-06-01T08:00:00Z');
let compiled: CompiledInvite;
beforeAll(async () => {
  compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
});

const header = (mail: ParsedMail, key: string) =>
  mail.headerLines.filter((h) => h.key === key).map((h) => h.line.replace(/\r?\n(?=[ \t])/g, ''));
const lines = (eml: Buffer) => eml.toString('utf8').split(/\r?\n/);

describe('the invitation .eml', () => {
  it('parses back with every header and both UTF-8 parts', async () => {
    const eml = await buildInviteEml(compiled, sampleRecipient(), { date });
    const mail = await simpleParser(eml);
    expect(mail.from?.value).toEqual([{ name: "L'équipe Veza", address: 'beta@veza.example' }]);
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value).toEqual([{ name: 'Adèle Dupré', address: 'adele@example.org' }]);
    expect(mail.replyTo?.value).toEqual([{ name: 'Veza', address: 'bonjour@veza.example' }]);
    expect(mail.subject).toBe('Ton invitation à la bêta de Veza');
    expect(mail.date?.toISOString()).toBe('2026-06-01T08:00:00.000Z');
    expect(mail.messageId).toBe(`<invite-42.${date.getTime().toString(36)}@veza.example>`);
    expect(header(mail, 'list-unsubscribe')).toEqual(['List-Unsubscribe: <https://beta.veza.example/not-for-me?invite_id=42>']);
    expect(header(mail, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(header(mail, 'x-veza-invite-id')).toEqual(['X-Veza-Invite-Id: 42']);
    expect(header(mail, 'mime-version')).toEqual(['MIME-Version: 1.0']);
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    const rendered = compiled.render(sampleRecipient());
    expect(mail.text).toBe(rendered.text);
    expect(mail.html).toBe(rendered.html);
    // The code is in the body and the link, never in a header.
    expect(mail.headerLines.some((h) => /7K3M/i.test(h.line))).toBe(false);
  });

  it('writes one header for an internationalised address (a From or Reply-To may be one), in the chosen line ending', () => {
    for (const newline of ['\n', '\r\n']) {
      const line = mailboxHeaderLine('To', { name: 'Zoë', address: 'zoë@exämple.org' }, newline);
      expect(line.match(/^To:/gim)).toHaveLength(1);
      expect(line).not.toMatch(/^(Date|Message-ID|MIME-Version):/im);
      expect(line.endsWith(newline)).toBe(true);
      expect(line.includes('\r\n')).toBe(newline === '\r\n');
    }
  });

  it('refuses an invite that the database would refuse: internationalised address, 80-character cohort, name with {{', async () => {
    await expect(buildInviteEml(compiled, { ...sampleRecipient(), email: 'zoë@exämple.org' }, { date })).rejects.toMatchObject({
      code: 'EMAIL_RECIPIENT_INVALID',
      field: 'email',
    });
    await expect(buildInviteEml(compiled, sampleRecipient({ cohort: 'c'.repeat(80) }), { date })).rejects.toMatchObject({
      code: 'EMAIL_RECIPIENT_INVALID',
      field: 'cohort',
      message: expect.stringContaining('longer than 64 characters'),
    });
    await expect(buildInviteEml(compiled, sampleRecipient({ name: 'Ana {{code}}' }), { date })).rejects.toMatchObject({
      code: 'EMAIL_RECIPIENT_INVALID',
      field: 'name',
    });
    expect(await buildInviteEml(compiled, sampleRecipient({ cohort: 'fans/discord' }), { date })).toBeInstanceOf(Buffer);
  });

  it('declares both parts as UTF-8 and keeps every line within 76 characters', async () => {
    const eml = await buildInviteEml(compiled, sampleRecipient(), { date });
    const text = eml.toString('utf8');
    expect(text.match(/^Content-Type: text\/plain; charset=utf-8$/m)).not.toBeNull();
    expect(text.match(/^Content-Type: text\/html; charset=utf-8$/m)).not.toBeNull();
    expect(Math.max(...lines(eml).map((l) => l.length))).toBeLessThanOrEqual(78);
    expect(text).not.toContain('\r');
    expect(text).toMatch(/^To: /m);
    expect(text).toMatch(/^From: /m);
  });

  it('writes CRLF when asked, with no bare LF', async () => {
    const eml = (await buildInviteEml(compiled, sampleRecipient(), { date, newline: 'crlf' })).toString('latin1');
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect((await simpleParser(Buffer.from(eml, 'latin1'))).subject).toBe('Ton invitation à la bêta de Veza');
  });

  it('with a mailto unsubscribe, lists it without the one-click header', async () => {
    const mailto = await compileInviteTemplate({ settings: sampleEmailSettings({ unsubscribe: 'mailto:stop@veza.example' }) });
    const mail = await simpleParser(await buildInviteEml(mailto, sampleRecipient(), { date }));
    expect(header(mail, 'list-unsubscribe')).toEqual([
      'List-Unsubscribe: <mailto:stop@veza.example?subject=Pas%20pour%20moi%20(invitation%2042)>',
    ]);
    expect(header(mail, 'list-unsubscribe-post')).toEqual([]);
    // one-click (RFC 8058) needs https: an http page is listed without it too
    const http = await compileInviteTemplate({ settings: sampleEmailSettings({ unsubscribe: 'http://veza.example/stop' }) });
    const plain = await simpleParser(await buildInviteEml(http, sampleRecipient(), { date }));
    expect(header(plain, 'list-unsubscribe')[0]).toMatch(/^List-Unsubscribe: <http:\/\/veza\.example\/stop/);
    expect(header(plain, 'list-unsubscribe-post')).toEqual([]);
  });

  it('gives the same To as a whole MailComposer message for any display name', async () => {
    const settings = compiled.settings;
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({
            unit: fc.constantFrom('a', 'é', ' ', ',', '"', '\\', '<', '(', ':', ';', '@', '=?', '?=', '日'),
            minLength: 1,
            maxLength: 30,
          })
          .map((s) => s.trim())
          .filter((s) => s !== '' && !s.includes('{{')),
        async (name) => {
          const fast = await simpleParser(await buildInviteEml(compiled, sampleRecipient({ name }), { date }));
          const whole = await simpleParser(
            await buildEml(
              { from: settings.from, to: { name, address: 'adele@example.org' }, subject: 's', text: 't', html: 'h' },
              { date },
            ),
          );
          const to = (m: ParsedMail) => (m.to && !Array.isArray(m.to) ? m.to.value : []);
          expect(to(fast)).toEqual(to(whole));
          expect(to(fast)).toEqual([{ name, address: 'adele@example.org' }]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a line break in any header-bound value', async () => {
    await expect(
      buildInviteEml(compiled, sampleRecipient({ email: 'a@example.org\nBcc: x@evil.example' }), { date }),
    ).rejects.toMatchObject({ code: 'EMAIL_RECIPIENT_INVALID' });
    await expect(
      buildInviteEml(compiled, sampleRecipient(), { date, messageIdDomain: 'veza.example\r\nBcc: x@evil.example' }),
    ).rejects.toMatchObject({ code: 'EMAIL_HEADER_INVALID' });
    await expect(
      buildEml({
        from: { address: 'a@veza.example' },
        to: { address: 'b@example.org' },
        subject: 'Salut\nBcc: x@evil.example',
        text: 't',
        html: 'h',
      }),
    ).rejects.toMatchObject({
      code: 'EMAIL_HEADER_INVALID',
      field: 'subject',
    });
    await expect(
      buildEml({
        from: { address: 'a@veza.example' },
        to: { address: 'b@example.org' },
        subject: 's',
        text: 't',
        html: 'h',
        headers: { 'X-A': 'b\r\nBcc: x' },
      }),
    ).rejects.toMatchObject({
      code: 'EMAIL_HEADER_INVALID',
    });
  });
});

describe('the welcome .eml', () => {
  it('parses back as multipart/alternative with the links in both parts', async () => {
    const result = validateEmailSettings(sampleEmailSettings());
    if (!result.ok) throw new Error('sample settings are invalid');
    const settings: EmailSettings = result.value;
    const mail = await simpleParser(await buildWelcomeEml(settings, { email: 'adele@example.org', name: 'Adèle <b>' }, { date }));
    expect(mail.subject).toBe('Bienvenue dans la bêta de Veza');
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(mail.text).toContain('Bonjour Adèle <b>,');
    expect(mail.text).toMatch(/^Bienvenue dans la bêta de Veza$/m); // the heading as written, not in capitals
    expect(mail.text).toContain('https://forms.example.org/veza-beta?src=email&v=1');
    expect(mail.html).toContain('Bonjour Adèle &lt;b&gt;,');
    expect(mail.html).toContain('href="https://discord.example.org/invite/veza-beta"');
    expect(mail.text).toMatchSnapshot('welcome text');
  });
});
