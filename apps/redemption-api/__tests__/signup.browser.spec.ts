import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';
import { CHROMIUM_ARGS, DEFAULT_CHROMIUM_PATH } from '@veza/email-templates/testing';
import { createInvites, formatCode } from '@veza/invites-db';
import { join } from 'node:path';

const CHROMIUM = DEFAULT_CHROMIUM_PATH;
const available = existsSync(CHROMIUM);
if (!available && process.env['VEZA_REQUIRE_CHROMIUM'] === '1')
  throw new Error(`VEZA_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
if (!available)
  console.warn(
    `signup page browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; set VEZA_REQUIRE_CHROMIUM=1 to make this an error)`,
  );

const DESKTOP = { width: 1280, height: 900 };
const MOBILE = { width: 375, height: 740 };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// UPDATE_SCREENSHOTS=1 rewrites the README's screenshots
const screenshots = fileURLToPath(new URL('../docs/', import.meta.url));

// The last backend: PostgreSQL when the test script started one.
const backend = testBackends().at(-1)!;

(available ? describe : describe.skip)(`signup page in headless Chromium (${backend.name})`, () => {
  let api: RunningApi;
  let browser: Browser;
  let codes: Awaited<ReturnType<typeof seedInvites>>;

  beforeAll(async () => {
    api = await startApi(backend, {
      rateLimitPerMinute: 1000,
      feedbackUrl: 'https://forms.example.org/veza-beta',
      discordUrl: 'https://discord.gg/veza-beta',
    });
    codes = await seedInvites(api.conn);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  const requests: string[] = [];
  async function open(query: string, viewport = DESKTOP): Promise<Page> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().includes('Failed to load resource') && errors.push(msg.text()));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${api.base}/signup${query}`);
    (page as Page & { jsErrors?: string[] }).jsErrors = errors;
    return page;
  }
  const message = (page: Page) => page.locator('#message');

  it('pre-fills the code from ?invite=, says it is valid, redeems it once, then says it is used', async () => {
    const page = await open(`?invite=${codes.valid}`);
    await expect(page.inputValue('#code')).resolves.toBe(codes.valid);
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Invitation valide'));
    expect(await message(page).textContent()).toBe('Invitation valide (creators-2026), pour v***@example.org.');
    expect(page.url()).toBe(`${api.base}/signup`); // the code left the address bar
    await page.click('#submit');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('confirmée'));
    expect(await message(page).getAttribute('data-kind')).toBe('ok');
    // What comes next replaces the form: the email's feedback and Discord links, from the configuration.
    expect(await page.isVisible('#signup')).toBe(false);
    expect(await page.textContent('h1')).toContain('Bienvenue');
    expect(await page.getAttribute('#next a[href*="forms.example.org"]', 'href')).toBe('https://forms.example.org/veza-beta');
    expect(await page.getAttribute('#next a[href*="discord"]', 'href')).toBe('https://discord.gg/veza-beta');
    expect((page as Page & { jsErrors?: string[] }).jsErrors).toEqual([]);
    await page.close();
    const again = await open(`?invite=${codes.valid}`);
    await again.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('déjà été utilisé'));
    expect(await message(again).getAttribute('data-kind')).toBe('error');
    await again.close();
  });

  it.each([
    ['expired', 'expiré'],
    ['revoked', 'annulée'],
    ['used', 'déjà été utilisé'],
  ] as const)('explains a %s code on load (%s)', async (state, words) => {
    const page = await open(`?invite=${encodeURIComponent(codes[state])}`);
    await page.waitForFunction((w) => document.querySelector('#message')?.textContent?.includes(w), words);
    expect(await message(page).getAttribute('data-kind')).toBe('error');
    await page.close();
  });

  it('explains an unknown and a malformed code', async () => {
    const unknown = await open('?invite=0000-0000-0000-0000');
    await unknown.waitForFunction(() => document.querySelector('#message')?.textContent?.includes("n'existe pas"));
    await unknown.close();
    const malformed = await open('?invite=hello');
    await malformed.waitForFunction(() => document.querySelector('#message')?.textContent?.includes("n'a pas le bon format"));
    await malformed.close();
  });

  it('refuses to submit without a code', async () => {
    const page = await open('');
    expect(await page.inputValue('#code')).toBe('');
    expect(await page.isDisabled('#submit')).toBe(true);
    expect(await message(page).textContent()).toContain("Il faut un code d'invitation");
    await page.fill('#code', '   ');
    expect(await page.isDisabled('#submit')).toBe(true);
    await page.fill('#code', codes.spare);
    expect(await page.isDisabled('#submit')).toBe(false);
    await page.click('#submit');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('confirmée'));
    await page.close();
  });

  /** axe-core in the page (evaluate is not subject to the page's CSP); the violations, by rule and target. */
  async function axeViolations(page: Page): Promise<string[]> {
    await page.evaluate(axeSource);
    const result = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: { run(ctx: Document, options: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe;
      return axe.run(document, { resultTypes: ['violations'] });
    });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} ${n.target.join(' ')}`));
  }

  it.each([
    ['desktop', DESKTOP],
    ['mobile', MOBILE],
  ] as const)(
    'has no axe violations at %s width, before and after a redeem, in French "tu", with nothing from another origin',
    async (name, viewport) => {
      const [fresh] = await createInvites(api.conn.db, [{ email: `axe-${name}@example.org`, cohort: 'creators-2026' }]);
      if (fresh?.status !== 'created') throw new Error('expected a new invite');
      const page = await open(`?invite=${formatCode(fresh.code)}`, viewport);
      await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Invitation valide'));
      expect(await axeViolations(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true); // no sideways scroll
      expect(await page.textContent('body')).not.toMatch(/\b(vous|votre|vos)\b/i);
      if (process.env['UPDATE_SCREENSHOTS'] === '1')
        await page.screenshot({ path: join(screenshots, `signup-${name}.png`), fullPage: true });
      await page.click('#submit');
      await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('confirmée'));
      expect(await axeViolations(page)).toEqual([]);
      expect(await page.textContent('body')).not.toMatch(/\b(vous|votre|vos)\b/i);
      if (process.env['UPDATE_SCREENSHOTS'] === '1')
        await page.screenshot({ path: join(screenshots, `signup-${name}-done.png`), fullPage: true });
      const error = await open('?invite=0000-0000-0000-0000', viewport);
      await error.waitForFunction(() => document.querySelector('#message')?.textContent?.includes("n'existe pas"));
      expect(await axeViolations(error)).toEqual([]);
      await page.close();
      await error.close();
      expect(requests.filter((url) => !url.startsWith(`${api.base}/`))).toEqual([]);
    },
  );

  it('is served with a CSP that allows no inline script or style and nothing from another origin', async () => {
    const res = await fetch(`${api.base}/signup`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // every script is a file
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).not.toMatch(/\ssrc="(https?:)?\/\/|<link[^>]*href="(https?:)?\/\//); // no resource from another origin (the links in #next are plain anchors)
  });
});
