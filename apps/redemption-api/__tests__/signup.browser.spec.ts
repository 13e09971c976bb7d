import { existsSync } from 'node:fs';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const available = existsSync(CHROMIUM);
if (!available && process.env['VEZA_REQUIRE_CHROMIUM'] === '1') throw new Error(`VEZA_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
if (!available) console.warn(`signup page browser tests SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium; set VEZA_REQUIRE_CHROMIUM=1 to make this an error)`);

// The last backend: PostgreSQL when the test script started one.
const backend = testBackends().at(-1)!;

(available ? describe : describe.skip)(`signup page in headless Chromium (${backend.name})`, () => {
  let api: RunningApi;
  let browser: Browser;
  let codes: Awaited<ReturnType<typeof seedInvites>>;

  beforeAll(async () => {
    api = await startApi(backend, { rateLimitPerMinute: 1000 });
    codes = await seedInvites(api.conn);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().includes('Failed to load resource') && errors.push(msg.text()));
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
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Bienvenue'));
    expect(await message(page).getAttribute('data-kind')).toBe('ok');
    await page.click('#submit');
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('déjà été utilisé'));
    expect(await message(page).getAttribute('data-kind')).toBe('error');
    expect((page as Page & { jsErrors?: string[] }).jsErrors).toEqual([]);
    await page.close();
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
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Bienvenue'));
    await page.close();
  });
});
