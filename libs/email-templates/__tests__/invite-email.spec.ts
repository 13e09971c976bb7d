import { expect } from '@jest/globals';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { compileInviteTemplate } from '../src/index.js';
import { defaultTemplateDir } from '../src/compile-invite-template.js';
import type { CompiledInvite } from '../src/index.js';
import { sampleEmailSettings, sampleRecipient } from '../src/testing.js';

const fixtures = fileURLToPath(new URL('../testing', import.meta.url));
// Pressure words the brand rules out; matched as whole words, so "invite" does not match "vite".
const URGENCY = [
  /\bvite\b/i,
  /derni[eè]re chance/i,
  /places? limit[ée]es?/i,
  /\burgent/i,
  /ne (la |le )?rate pas/i,
  /\blimited\b/i,
  /d[ée]p[êe]che/i,
  /plus que \d/i,
  /exclusi/i,
  /avant qu'il ne soit trop tard/i,
];

let compiled: CompiledInvite;
beforeAll(async () => {
  compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
});

/** The tags of an HTML document, in order: what an injected value would change. */
const tags = (html: string) => html.match(/<[^>]*>/g) ?? [];
const decode = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('the beta invitation', () => {
  it('renders the same HTML and text for a fixed code and date', () => {
    const rendered = compiled.render(sampleRecipient());
    expect(rendered.subject).toBe('Ton invitation à la bêta de Veza');
    expect(rendered.text).toMatchSnapshot('text');
    expect(rendered.html).toMatchSnapshot('html');
  });

  it('puts the grouped code, the redemption link, the feedback form and Discord in the text part', () => {
    const { text } = compiled.render(sampleRecipient({ code: '7k3mq9zd1xwn4t8r' }));
    expect(text).toContain("Ton code d'invitation\u00a0: 7K3M-Q9ZD-1XWN-4T8R");
    expect(text).toContain('https://beta.veza.example/signup?invite=7K3M-Q9ZD-1XWN-4T8R\n');
    expect(text).toContain('https://forms.example.org/veza-beta?src=email&v=1');
    expect(text).toContain('https://discord.example.org/invite/veza-beta');
    // expires 2026-07-01T10:00Z, noon in Paris: 30 June is the last day it works all day
    expect(text).toContain("Le code fonctionne jusqu'au 30 juin 2026 inclus.");
    const late = compiled.render(sampleRecipient({ expiresAt: new Date('2026-12-28T23:15:36Z') })).text; // 00:15 on 29 Dec in Paris
    expect(late).toContain("jusqu'au 28 décembre 2026 inclus.");
    const midnight = compiled.render(sampleRecipient({ expiresAt: new Date('2026-08-01T22:00:00Z') })).text; // 00:00 on 2 Aug in Paris
    expect(midnight).toContain("jusqu'au 1er août 2026 inclus.");
    expect(text).toContain(
      "Pas pour toi\u00a0? Aucun souci\u00a0: dis-le-nous en ouvrant ce lien, et on ne\nt'écrira plus à ce sujet\u00a0:\nhttps://beta.veza.example/not-for-me?invite_id=42\n",
    );
    expect(text).not.toMatch(/\{\{|\}\}/);
  });

  it('carries the link in the HTML button with the & of other URLs escaped', () => {
    const { html } = compiled.render(sampleRecipient());
    expect(html).toContain('href="https://beta.veza.example/signup?invite=7K3M-Q9ZD-1XWN-4T8R"');
    expect(html).toContain('href="https://forms.example.org/veza-beta?src=email&amp;v=1"');
    expect(html).not.toMatch(/\{\{|\}\}/);
  });

  it('uses no urgency, scarcity or FOMO wording', () => {
    const { text, html } = compiled.render(sampleRecipient());
    for (const word of URGENCY) {
      expect(text).not.toMatch(word);
      expect(html).not.toMatch(word);
    }
  });

  it('keeps the no-break spaces of French punctuation in the text part, as the HTML has them', () => {
    const { text, html } = compiled.render(sampleRecipient());
    // Mail programs wrap a plain-text line at the window's width: an ordinary space lets ":" or "?" start a line.
    expect(text.match(/ [:;?!»]|« /g)).toBeNull();
    expect(text).toContain("Ton code d'invitation\u00a0: 7K3M-Q9ZD-1XWN-4T8R");
    expect(text).toContain('du groupe «\u00a0creatrices-2026\u00a0».\nPas pour toi\u00a0? Aucun souci\u00a0:');
    expect(html).toContain('Pas pour toi&nbsp;? Aucun souci&nbsp;:');
  });

  it('greets without a name when there is none', () => {
    expect(compiled.render(sampleRecipient({ name: undefined })).text.split('\n')[0]).toBe('Bonjour,');
  });

  // A cohort label can hold none of these characters (the invite-rules label rule refuses them); a name can.
  it('never lets a name with <, &, quotes change the markup', () => {
    const plain = tags(compiled.render(sampleRecipient({ name: 'Ada', cohort: 'fans/discord' })).html);
    const hostile = fc
      .string({ unit: fc.constantFrom('<', '>', '&', '"', "'", 'a', ' ', '/', '=', 'é', 'script', '!--'), minLength: 1, maxLength: 40 })
      .map((s) => s.trim())
      .filter((s) => s.length > 0 && !s.includes('{{') && !s.includes('}}'));
    fc.assert(
      fc.property(hostile, (name) => {
        const { html, text } = compiled.render(sampleRecipient({ name, cohort: 'fans/discord' }));
        expect(tags(html)).toEqual(plain);
        const greeting = /Bonjour ([^<]*),<\/div>/.exec(html)?.[1] ?? '';
        expect(decode(greeting)).toBe(name);
        expect(text.split('\n')[0]).toBe(`Bonjour ${name},`);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a recipient whose name could break a header or whose code is malformed, without quoting the code', () => {
    expect(() => compiled.render(sampleRecipient({ name: 'Ada\r\nBcc: x@evil.example' }))).toThrow(
      expect.objectContaining({ code: 'EMAIL_RECIPIENT_INVALID', field: 'name' }),
    );
    expect(() => compiled.render(sampleRecipient({ name: 'Ada {{cohort}}' }))).toThrow(
      expect.objectContaining({ code: 'EMAIL_RECIPIENT_INVALID' }),
    );
    let message = '';
    try {
      compiled.render(sampleRecipient({ code: 'SECRETCODE123' }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('recipient code: is not 16 Crockford base32 characters');
  });
});

describe('compileInviteTemplate', () => {
  it('refuses to compile without FRONTEND_URL and FEEDBACK_URL', async () => {
    await expect(
      compileInviteTemplate({ settings: sampleEmailSettings({ frontendUrl: undefined, feedbackUrl: '' }) }),
    ).rejects.toMatchObject({
      code: 'EMAIL_SETTINGS_INVALID',
      problems: [
        { field: 'FRONTEND_URL', message: 'is required' },
        { field: 'FEEDBACK_URL', message: 'is required' },
      ],
      message: 'email settings are invalid: FRONTEND_URL is required; FEEDBACK_URL is required',
    });
  });

  it('names the unknown placeholder and the file of an operator-edited template', async () => {
    const dir = join(fixtures, 'templates-with-typo');
    await expect(compileInviteTemplate({ templateDir: dir, settings: sampleEmailSettings() })).rejects.toMatchObject({
      code: 'EMAIL_PLACEHOLDER_UNKNOWN',
      placeholder: 'prenom',
      file: join(dir, 'beta-invite.mjml'),
    });
  });

  describe('with an operator template directory', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'veza-templates-'));
      await cp(defaultTemplateDir(), dir, { recursive: true });
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('uses the edited copy without any code change', async () => {
      const file = join(dir, 'beta-invite.txt');
      await writeFile(file, (await readFile(file, 'utf8')).replace('Merci,', 'Merci beaucoup,'));
      const custom = await compileInviteTemplate({ templateDir: dir, settings: sampleEmailSettings() });
      expect(custom.render(sampleRecipient()).text).toContain('Merci beaucoup,');
    });

    it('refuses a text template without the code', async () => {
      const file = join(dir, 'beta-invite.txt');
      await writeFile(file, (await readFile(file, 'utf8')).replace('{{code_grouped}}', 'XXXX'));
      await expect(compileInviteTemplate({ templateDir: dir, settings: sampleEmailSettings() })).rejects.toMatchObject({
        code: 'EMAIL_TEMPLATE_INVALID',
        file,
      });
    });

    it('reports MJML that does not validate', async () => {
      await writeFile(join(dir, 'beta-invite.mjml'), '<mjml><mj-body><mj-text>{{code_grouped}}</mj-text></mj-body></mjml>');
      await expect(compileInviteTemplate({ templateDir: dir, settings: sampleEmailSettings() })).rejects.toMatchObject({
        code: 'EMAIL_TEMPLATE_INVALID',
      });
    });

    it('reports a missing template file', async () => {
      await rm(join(dir, 'beta-invite.txt'));
      await expect(compileInviteTemplate({ templateDir: dir, settings: sampleEmailSettings() })).rejects.toMatchObject({
        code: 'EMAIL_TEMPLATE_NOT_FOUND',
      });
    });
  });
});
