import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
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

type ProxyMode = 'pass' | 'hold' | 'bad-gateway' | 'frontend';

/**
 * A reverse proxy in front of the API, as in production, that can hold requests (a stuck upstream:
 * no answer at all) or answer its own 502 page. The page is served through it, so it stays same-origin.
 */
async function startProxy(upstream: string) {
  let modeOf: (req: IncomingMessage) => ProxyMode = () => 'pass';
  let held: (() => void)[] = [];
  const server = createServer((req, res) => {
    const mode = modeOf(req);
    if (mode === 'frontend') {
      // the main frontend's own answer to a path it does not know (a single-page app's index.html, 200)
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><div id="app"></div></body></html>');
      return;
    }
    if (mode === 'bad-gateway') {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    const forward = () => {
      const upstreamRequest = request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstreamRequest.on('error', () => res.destroy());
      req.pipe(upstreamRequest);
    };
    if (mode === 'hold') held.push(forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    base: `http://127.0.0.1:${address.port}`,
    set(mode: (req: IncomingMessage) => ProxyMode) {
      modeOf = mode;
    },
    /** Sends the held requests on to the API. */
    release() {
      const now = held;
      held = [];
      now.forEach((forward) => forward());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
  async function open(query: string, viewport = DESKTOP, base = api.base): Promise<Page> {
    const page = await browser.newPage({ viewport });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().includes('Failed to load resource') && errors.push(msg.text()));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${base}/signup${query}`);
    (page as Page & { jsErrors?: string[] }).jsErrors = errors;
    return page;
  }
  const message = (page: Page) => page.locator('#message');

  it('pre-fills the code from ?invite=, says it is valid, redeems it once, then says it is used', async () => {
    const page = await open(`?invite=${codes.valid}`);
    await expect(page.inputValue('#code')).resolves.toBe(codes.valid);
    await page.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('Invitation valide'));
    // the cohort label is the team's word for a group, not the invited person's (the lookup no longer sends it)
    expect(await message(page).textContent()).toBe('Invitation valide, pour v***@example.org.');
    expect(await page.textContent('body')).not.toContain('creators-2026');
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
  ] as const)('explains a %s code on load (%s), and whom to write to', async (state, words) => {
    const page = await open(`?invite=${encodeURIComponent(codes[state])}`);
    await page.waitForFunction((w) => document.querySelector('#message')?.textContent?.includes(w), words);
    expect(await message(page).getAttribute('data-kind')).toBe('error');
    // every refusal says what to do next: the invitation email's own "réponds simplement"
    expect(await message(page).textContent()).toContain("réponds simplement à l'e-mail d'invitation");
    await page.close();
  });

  it('explains an unknown and a malformed code', async () => {
    const unknown = await open('?invite=0000-0000-0000-0000');
    await unknown.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('On ne trouve pas ce code'));
    expect(await message(unknown).textContent()).toContain("réponds simplement à l'e-mail d'invitation");
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
      await error.waitForFunction(() => document.querySelector('#message')?.textContent?.includes('On ne trouve pas ce code'));
      expect(await axeViolations(error)).toEqual([]);
      await page.close();
      await error.close();
      expect(requests.filter((url) => !url.startsWith(`${api.base}/`))).toEqual([]);
    },
  );

  /** A new valid invite's code, formatted. */
  async function freshCode(label: string): Promise<string> {
    const [fresh] = await createInvites(api.conn.db, [{ email: `${label}@example.org`, cohort: 'creators-2026' }]);
    if (fresh?.status !== 'created') throw new Error('expected a new invite');
    return formatCode(fresh.code);
  }
  const messageIncludes = (page: Page, words: string, timeout = 10_000) =>
    page.waitForFunction((w) => document.querySelector('#message')?.textContent?.includes(w), words, { timeout });
  /** Counts the page's answers read to the end; the count moves in a timer after the read, once every step the page takes on it is done. */
  const countAnswersRead = (page: Page) =>
    page.addInitScript(() => {
      const read = Object.getOwnPropertyDescriptor(Response.prototype, 'json')!.value as (this: Response) => Promise<unknown>;
      Response.prototype.json = function (this: Response) {
        const body = read.call(this);
        const done = () => setTimeout(() => ((window as unknown as { answersRead: number }).answersRead += 1), 0);
        body.then(done, done);
        return body;
      };
      (window as unknown as { answersRead: number }).answersRead = 0;
    });
  const answersRead = (page: Page, n: number) =>
    page.waitForFunction((count) => (window as unknown as { answersRead: number }).answersRead === count, n);

  it('reads the code out of links as mail software and copies leave them', async () => {
    const code = await freshCode('mangled');
    for (const query of [
      `?invite=${code}.`, // the full stop of a sentence
      `?invite=${code}%3E`, // the > of <lien>
      `?invite=${encodeURIComponent(`"${code}"`)}`, // quoted
      `?invite=${code})`,
      `?utm_source=relay&amp;invite=${code}`, // an HTML-escaped & before it
      `?INVITE=${code.toLowerCase()}`,
      `?invite=3D${code}`, // quoted-printable shown as it is: "=" is "=3D"
      `?invite=3D${code}.`,
      `?invite=${code}%23inscription`, // a fragment, escaped on the way
      `#invite=${code}`, // the code in the fragment
    ]) {
      const page = await open(query);
      await messageIncludes(page, 'Invitation valide');
      expect([query, await page.inputValue('#code')]).toEqual([query, query.startsWith('?INVITE') ? code.toLowerCase() : code]);
      expect(page.url()).toBe(`${api.base}/signup`); // read, then out of the address bar
      await page.close();
    }
  });

  it('guesses no code from what is not one: a 3D prefix is dropped only before exactly a code', async () => {
    const code = await freshCode('qp-garbage');
    for (const [query, kept] of [
      [`?invite=3D${code}XY`, `3D${code}XY`],
      [`?invite=3D${code.slice(0, -1)}`, `3D${code.slice(0, -1)}`],
    ] as const) {
      const page = await open(query);
      await messageIncludes(page, "n'a pas le bon format");
      expect(await page.inputValue('#code')).toBe(kept);
      await page.close();
    }
  });

  it.each([
    ['the whole link', (code: string) => `${api.base}/signup?invite=${code}`],
    ["the email's line", (code: string) => `Ton code d'invitation : ${code}`],
    // as the email's text part writes it: a no-break space before the colon (French typography)
    ["the email's line with its no-break space", (code: string) => `Ton code d'invitation\u00a0: ${code}`],
    // quoted-printable shown as it is, the line wrapped with its soft "=" (the field drops the line break)
    ['the raw quoted-printable link, wrapped', (code: string) => `${api.base}/signup?invite=3D${code.slice(0, 10)}=\n${code.slice(10)}`],
    // a plain-text mail program wrapped the link at a hyphen
    ['the link over two lines', (code: string) => `${api.base}/signup?invite=${code.slice(0, 10)}\n${code.slice(10)}`],
    ['the code and a fragment', (code: string) => `${code}#inscription`],
  ] as const)('redeems the code when %s is pasted into the field', async (label, paste) => {
    const code = await freshCode(`paste-${label.replace(/\W+/g, '-')}`);
    const page = await open('');
    await page.fill('#code', paste(code));
    await page.click('#submit');
    await messageIncludes(page, 'confirmée');
    await page.close();
  });

  it('keeps the code through a reload before the redeem, and shows the welcome, not an error, after it', async () => {
    const code = await freshCode('reload');
    const page = await open(`?invite=${code}`);
    await messageIncludes(page, 'Invitation valide');
    await page.reload();
    await messageIncludes(page, 'Invitation valide');
    expect(await page.inputValue('#code')).toBe(code);
    expect(page.url()).toBe(`${api.base}/signup`);
    await page.click('#submit');
    await messageIncludes(page, 'confirmée');
    await page.reload();
    await page.waitForLoadState('load');
    expect(await message(page).textContent()).toBe('Ton invitation est confirmée.');
    expect(await page.isVisible('#next')).toBe(true);
    expect(await page.isVisible('#signup')).toBe(false);
    await page.close();
  });

  it("brings back through a reload the code the person typed, not the link's code it replaced", async () => {
    const [fromLink, typed] = [await freshCode('reload-link'), await freshCode('reload-typed')];
    const page = await open(`?invite=${fromLink}`);
    await messageIncludes(page, 'Invitation valide');
    await page.fill('#code', typed);
    await page.reload();
    await messageIncludes(page, 'Invitation valide');
    expect(await page.inputValue('#code')).toBe(typed);
    await page.fill('#code', '');
    await page.reload();
    await messageIncludes(page, "Il faut un code d'invitation");
    expect(await page.inputValue('#code')).toBe('');
    await page.close();
  });

  it('after an error, gives the keyboard focus to the field the message describes', async () => {
    const page = await open('');
    await page.fill('#code', '0000-0000-0000-0000');
    await page.focus('#submit');
    await page.keyboard.press('Enter');
    await messageIncludes(page, 'On ne trouve pas ce code');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    expect(await page.getAttribute('#code', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#code', 'aria-describedby')).toBe('message');
    await page.close();
  });

  it('tells a person without JavaScript what to do', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${api.base}/signup?invite=${codes.spare}`);
    expect(await page.innerText('#start')).toContain('Cette page a besoin de JavaScript pour activer ton invitation');
    await context.close();
  });

  describe('when the API is slow, away, or the connection is', () => {
    let proxy: Awaited<ReturnType<typeof startProxy>>;
    beforeAll(async () => {
      proxy = await startProxy(api.base);
    });
    afterAll(async () => proxy?.close());

    it('never waits for ever: a redeem with no answer says so, unsure whether it went through, and frees the button', async () => {
      const code = await freshCode('stuck');
      proxy.set(() => 'pass');
      const page = await open(`?invite=${code}`, DESKTOP, proxy.base);
      await messageIncludes(page, 'Invitation valide');
      proxy.set((req) => (req.url?.startsWith('/v1/') ? 'hold' : 'pass'));
      await page.click('#submit');
      await messageIncludes(page, 'Activation'); // something is going on
      // the page's own deadline, past the API's 6 s one on the database; a loose outer bound
      await messageIncludes(page, 'on ne sait pas si ton invitation a été activée', 30_000);
      expect(await page.isDisabled('#submit')).toBe(false);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
      expect(await page.getAttribute('#code', 'aria-invalid')).toBeNull(); // the code is not what failed
      proxy.set(() => 'pass');
      await page.close();
    }, 60_000);

    it('says the service is away when a proxy answers its own 502 page, and that the person is offline when they are', async () => {
      proxy.set(() => 'pass');
      const code = await freshCode('away');
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${proxy.base}/signup?invite=${code}`);
      await messageIncludes(page, 'Invitation valide');
      proxy.set((req) => (req.url?.startsWith('/v1/') ? 'bad-gateway' : 'pass'));
      await page.click('#submit');
      await messageIncludes(page, 'momentanément indisponible');
      proxy.set(() => 'pass');
      await context.setOffline(true);
      await page.click('#submit');
      await messageIncludes(page, 'vérifie ta connexion internet');
      await context.setOffline(false);
      await page.click('#submit');
      await messageIncludes(page, 'confirmée');
      await context.close();
    });

    it("neither hangs on the check nor says 'confirmée' when the frontend answers /v1/invites/ itself (200, its own page)", async () => {
      // the proxy routes /signup* to the API and the rest, /v1/invites/ included, to the frontend (the guide's trap)
      const code = await freshCode('frontend');
      proxy.set((req) => (req.url?.startsWith('/v1/') ? 'frontend' : 'pass'));
      const page = await open(`?invite=${code}`, DESKTOP, proxy.base);
      await messageIncludes(page, 'Une erreur inattendue');
      // the check's message is the same one: cleared, so that only the redeem's answer can bring it back
      await page.evaluate(() => (document.querySelector('#message')!.textContent = ''));
      await page.click('#submit');
      await messageIncludes(page, 'Une erreur inattendue');
      expect(await page.isVisible('#signup')).toBe(true);
      expect((page as Page & { jsErrors?: string[] }).jsErrors).toEqual([]);
      proxy.set(() => 'pass');
      await page.click('#submit'); // the code was never spent
      await messageIncludes(page, 'confirmée');
      await page.close();
    });

    it('a check on load that answers after a failed redeem does not replace what the redeem said', async () => {
      const code = await freshCode('late-check-failed');
      proxy.set((req) => (req.method === 'GET' && req.url?.startsWith('/v1/invites/') ? 'hold' : 'pass'));
      const page = await browser.newPage();
      await countAnswersRead(page);
      await page.goto(`${proxy.base}/signup?invite=${code}`);
      proxy.set((req) => (req.method === 'POST' ? 'bad-gateway' : 'hold'));
      await page.click('#submit');
      await messageIncludes(page, 'momentanément indisponible');
      proxy.set(() => 'pass');
      proxy.release();
      await answersRead(page, 2); // the 502, then the late check
      expect(await message(page).textContent()).toContain('momentanément indisponible');
      await page.close();
    });

    it('a check on load that answers after the redeem does not turn the welcome into "already used"', async () => {
      const code = await freshCode('late-check');
      proxy.set((req) => (req.method === 'GET' && req.url?.startsWith('/v1/invites/') ? 'hold' : 'pass'));
      const page = await browser.newPage();
      await countAnswersRead(page);
      await page.goto(`${proxy.base}/signup?invite=${code}`);
      const lateCheck = page.waitForResponse(
        (response) => response.url().includes('/v1/invites/') && response.request().method() === 'GET',
      );
      await page.click('#submit');
      await messageIncludes(page, 'confirmée');
      proxy.release();
      expect((await lateCheck).status()).toBe(409); // the check saw the code used
      await answersRead(page, 2); // the redeem's, then the late check's: the page has done all it does with both
      expect(await message(page).textContent()).toBe('Ton invitation est confirmée.');
      proxy.set(() => 'pass');
      await page.close();
    });
  });

  it("leaves no code in the browser's disk cache: the page and every answer say no-store", async () => {
    const profile = mkdtempSync(join(tmpdir(), 'veza-signup-profile-'));
    try {
      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const code = await freshCode('cache');
      const page = await context.newPage();
      await page.goto(`${api.base}/signup?invite=${code}`);
      await messageIncludes(page, 'Invitation valide');
      await page.click('#submit');
      await messageIncludes(page, 'confirmée');
      await context.close();
      const cache = join(profile, 'Default', 'Cache');
      const files = existsSync(cache) ? readdirSync(cache, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
      const holding = files.filter((f) => readFileSync(join(f.parentPath, f.name), 'latin1').includes(code)).map((f) => f.name);
      expect(holding).toEqual([]);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('is served with a CSP that allows no inline script or style and nothing from another origin', async () => {
    const res = await fetch(`${api.base}/signup`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
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
