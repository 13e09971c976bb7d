import { expect } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mjml2html from 'mjml';
import type { Browser } from 'playwright-core';
import { compileInviteTemplate } from '../src/index.js';
import type { CompiledInvite } from '../src/index.js';
import { defaultTemplateDir, INVITE_PLACEHOLDERS, INVITE_TEMPLATE_FILES, inviteTemplateParts } from '../src/compile-invite-template.js';
import { fillTemplate, parseTemplate } from '../src/parse-template.js';
import { checkRecipient } from '../src/recipient.js';
import type { InviteRecipient } from '../src/recipient.js';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM_PATH } from '../src/write-preview.js';
import { sampleEmailSettings, sampleRecipient } from '../src/testing.js';

// CI installs Chromium and sets VEZA_REQUIRE_CHROMIUM=1, so this check can never be skipped silently there.
const chromium = existsSync(DEFAULT_CHROMIUM_PATH) || process.env['VEZA_REQUIRE_CHROMIUM'] === '1';
if (!chromium) console.warn(`compact-html.spec: ${DEFAULT_CHROMIUM_PATH} is absent, the rendering comparison is skipped`);

/** The shipped template as MJML writes it (indented), filled with the same values as compiled.render. */
async function asMjmlWroteIt(compiled: CompiledInvite, recipient: InviteRecipient): Promise<string> {
  const file = join(defaultTemplateDir(), INVITE_TEMPLATE_FILES.html);
  const { html } = await mjml2html(await readFile(file, 'utf8'), { validationLevel: 'strict', keepComments: false, filePath: file });
  const names = {
    known: new Set<string>(INVITE_PLACEHOLDERS),
    urls: new Set(['signup_url', 'feedback_url', 'discord_url', 'unsubscribe_url']),
    required: [],
  };
  return fillTemplate(parseTemplate(html, file, 'html', names), inviteTemplateParts(compiled)!.values(checkRecipient(recipient)));
}

let compiled: CompiledInvite;
beforeAll(async () => {
  compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
});

describe("the invitation's HTML without MJML's indentation", () => {
  it('carries no run of whitespace, and is at least a fifth smaller than MJML wrote it', async () => {
    const { html } = compiled.render(sampleRecipient());
    expect(html).not.toMatch(/[ \t\r\n]{2}/);
    expect(Buffer.byteLength(html)).toBeLessThan(Buffer.byteLength(await asMjmlWroteIt(compiled, sampleRecipient())) * 0.8);
  });

  (chromium ? describe : describe.skip)('in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      const { chromium: type } = await import('playwright-core');
      browser = await type.launch({ executablePath: DEFAULT_CHROMIUM_PATH, args: CHROMIUM_ARGS });
    });
    afterAll(() => browser?.close());

    it('looks the same as MJML wrote it, pixel for pixel, with the same text and boxes, at phone and desktop widths', async () => {
      const recipient = sampleRecipient({ name: 'Zoë <b> & Marie-Ève' });
      const page = await browser.newPage();
      try {
        for (const width of [375, 600, 1280]) {
          await page.setViewportSize({ width, height: 800 });
          const look = async (html: string) => {
            await page.setContent(html, { waitUntil: 'load' });
            // a string, not a function: this project's TypeScript has no DOM types
            const boxes = await page.evaluate<string[]>(
              `[...document.querySelectorAll('*')].map((e) => { const r = e.getBoundingClientRect(); return e.tagName + ' ' + [r.x, r.y, r.width, r.height].join(' '); })`,
            );
            return { boxes, text: await page.evaluate<string>('document.body.innerText'), png: await page.screenshot({ fullPage: true }) };
          };
          const before = await look(await asMjmlWroteIt(compiled, recipient));
          const after = await look(compiled.render(recipient).html);
          expect(after.text).toContain('Zoë <b> & Marie-Ève');
          expect(after.text).toBe(before.text);
          expect(after.boxes).toEqual(before.boxes);
          expect(after.png.equals(before.png)).toBe(true);
        }
      } finally {
        await page.close();
      }
    });
  });
});
