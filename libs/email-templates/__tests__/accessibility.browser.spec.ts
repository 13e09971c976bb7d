import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { compileInviteTemplate } from '../src/index.js';
import { renderWelcomeEmail } from '../src/welcome.js';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM_PATH } from '../src/write-preview.js';
import { validateEmailSettings } from '../src/settings.js';
import { sampleEmailSettings, sampleRecipient } from '../src/testing.js';

// Both emails as a person on a phone or with a screen reader gets them: the real HTML in headless Chromium
// with axe-core (WCAG 2.1 A and AA), at the narrowest phone widths, in light and dark colour schemes.
// CI installs Chromium (tools/ensure-system-tools.sh) and sets VEZA_REQUIRE_CHROMIUM=1: never skipped there.
const available = existsSync(DEFAULT_CHROMIUM_PATH);
if (!available && process.env['VEZA_REQUIRE_CHROMIUM'] === '1')
  throw new Error(`VEZA_REQUIRE_CHROMIUM=1 but ${DEFAULT_CHROMIUM_PATH} is missing: apt-get install -y chromium`);
if (!available)
  console.warn(
    `accessibility.browser.spec SKIPPED: ${DEFAULT_CHROMIUM_PATH} is missing (apt-get install -y chromium; set VEZA_REQUIRE_CHROMIUM=1 to make this an error)`,
  );

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CODE = '7K3M-Q9ZD-1XWN-4T8R';
const WIDTHS = [320, 375] as const;
const SCHEMES = ['light', 'dark'] as const;

async function emails(): Promise<Record<'invitation' | 'welcome', { html: string; text: string; button: string }>> {
  const settings = sampleEmailSettings();
  const invite = (await compileInviteTemplate({ settings })).render(sampleRecipient({ code: CODE }));
  const valid = validateEmailSettings(settings);
  if (!valid.ok) throw new Error('sample settings do not validate');
  const { frontendUrl, feedbackUrl, discordUrl } = valid.value;
  const welcome = await renderWelcomeEmail({ name: 'Adèle Dupré', frontendUrl, feedbackUrl, discordUrl });
  return {
    invitation: { html: invite.html, text: invite.text, button: 'Créer mon compte' },
    welcome: { html: welcome.html, text: welcome.text, button: 'Ouvrir Veza' },
  };
}

describe('the text parts, read aloud', () => {
  it.each(['invitation', 'welcome'] as const)(
    'the %s: every address stands at the end of its line, alone or after "label :", never inside a sentence',
    async (email) => {
      const { text } = (await emails())[email];
      const withAddress = text.split('\n').filter((line) => /https?:\/\//.test(line));
      expect(withAddress.length).toBeGreaterThanOrEqual(2);
      // a label and its address: "- le formulaire de retours\u00a0: https://…" (a no-break space before the colon, as French writes it)
      expect(withAddress.filter((line) => !/^(?:(?:- )?[^:]*[^\s:]\u00a0: )?https?:\/\/\S+$/.test(line))).toEqual([]);
    },
  );
});

(available ? describe : describe.skip)('the emails in headless Chromium, as phones and screen readers get them', () => {
  let browser: Browser;
  let rendered: Awaited<ReturnType<typeof emails>>;
  beforeAll(async () => {
    rendered = await emails();
    browser = await chromium.launch({ executablePath: DEFAULT_CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme });
    await page.setContent(html, { waitUntil: 'load' });
    return page;
  }

  async function axeViolations(page: Page): Promise<string[]> {
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async (tags) => {
      const axe = (
        window as unknown as {
          axe: { run(ctx: Document, options: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe;
      return (await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })).violations;
    }, WCAG_21_AA);
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  const cases = (['invitation', 'welcome'] as const).flatMap((email) =>
    WIDTHS.flatMap((width) => SCHEMES.map((scheme) => [email, width, scheme] as const)),
  );

  it.each(cases)('%s at %i px (%s): no WCAG 2.1 AA violation, nothing scrolls sideways', async (email, width, scheme) => {
    const page = await open(rendered[email].html, width, scheme);
    try {
      expect(await axeViolations(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    } finally {
      await page.close();
    }
  });

  const buttons = (['invitation', 'welcome'] as const).flatMap((email) => WIDTHS.map((width) => [email, width] as const));
  it.each(buttons)('%s at %i px: the button is a tap target of at least 44 px', async (email, width) => {
    const page = await open(rendered[email].html, width, 'light');
    try {
      const box = await page.getByRole('link', { name: rendered[email].button }).boundingBox();
      expect(box?.height).toBeGreaterThanOrEqual(44);
      expect(box?.width).toBeGreaterThanOrEqual(44);
    } finally {
      await page.close();
    }
  });

  // 280 and 300: a 320 px phone whose mail app keeps margins of its own around the message (at 22 px the code broke after
  // its third hyphen below 316 px)
  it.each([280, 300, ...WIDTHS])('the invitation at %i px shows the code on one line, not broken after a hyphen', async (width) => {
    const page = await open(rendered.invitation.html, width, 'light');
    try {
      const lines = await page.evaluate((code) => {
        const element = Array.from(document.querySelectorAll('div')).find((div) => div.textContent?.trim() === code);
        if (!element) return -1;
        const range = document.createRange();
        range.selectNodeContents(element);
        return new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.top))).size;
      }, CODE);
      expect(lines).toBe(1);
    } finally {
      await page.close();
    }
  });

  it.each(['invitation', 'welcome'] as const)(
    'the %s: every link says where it goes out of context (no "ici", "cliquez", "ce lien")',
    async (email) => {
      const page = await open(rendered[email].html, 375, 'light');
      try {
        const names = await page.evaluate(() =>
          Array.from(document.querySelectorAll('a')).map((a) => a.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
        );
        expect(names.length).toBeGreaterThan(0);
        expect(names.filter((name) => /\b(ici|cliquez|clique|ce lien|here|click)\b/i.test(name))).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});
