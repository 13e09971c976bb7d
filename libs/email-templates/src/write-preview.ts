import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserType } from 'playwright-core';
import { escapeHtml } from './escape-html.js';

/** One rendered email to look at. */
export interface PreviewItem {
  /** Who it is for, as shown in the index (e.g. `Ada <ada@example.org>`). */
  to: string;
  subject: string;
  html: string;
}

export interface PreviewOptions {
  /** Take a screenshot of the first email in headless Chromium (default true). */
  screenshot?: boolean;
  chromiumPath?: string;
  /** Viewport width in CSS pixels: a desktop mail client's reading pane. */
  width?: number;
}

export interface PreviewResult {
  index: string;
  files: string[];
  screenshot: string | null;
  /** Why there is no screenshot, when there is none. */
  reason?: string;
}

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
// Flags for a sandbox-less container with no network access to Google services.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function indexPage(items: PreviewItem[], files: string[]): string {
  const rows = items
    .map((item, i) => `<li><a href="${escapeHtml(files[i] ?? '')}">${escapeHtml(item.to)}</a> — ${escapeHtml(item.subject)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Aperçu des emails (${items.length})</title></head>
<body style="font-family:Helvetica,Arial,sans-serif;max-width:800px;margin:24px auto">
<h1>Aperçu des emails (${items.length})</h1>
<ol>
${rows}
</ol>
</body></html>
`;
}

/**
 * A full-page PNG of a local HTML file in headless Chromium (no sandbox, no
 * background network). Without Chromium the result says why instead of throwing.
 */
export async function screenshotHtmlFile(
  htmlFile: string,
  out: string,
  options: { chromiumPath?: string; width?: number; mode?: number } = {},
): Promise<{ ok: true } | { ok: false; reason: string }> {
  return takeScreenshot(htmlFile, out, options);
}

/**
 * The picture is written with `mode` (default 0600; the umask may narrow it):
 * Chromium's own write made it 0666 under umask 000 (a shared CI runner), the
 * picture of a person's email writable and readable by every user.
 */
async function takeScreenshot(
  htmlFile: string,
  out: string,
  options: { chromiumPath?: string; width?: number; mode?: number },
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const executablePath = options.chromiumPath ?? DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executablePath)) return { ok: false, reason: `Chromium not found at ${executablePath} (apt-get install -y chromium)` };
  let chromium: BrowserType;
  try {
    // an optional peer: a consumer that did not install it gets the reason, not a throw
    ({ chromium } = await import('playwright-core'));
  } catch {
    return {
      ok: false,
      reason: 'playwright-core is not installed (npm install playwright-core, an optional peer of @veza/email-templates)',
    };
  }
  let browser;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: options.width ?? 700, height: 900 } });
    await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
    const png = await page.screenshot({ fullPage: true });
    rmSync(out, { force: true }); // a mode applies to a new file only
    writeFileSync(out, png, { mode: options.mode ?? 0o600 });
    return { ok: true };
  } catch (error) {
    // no half-written picture left behind (a full disk leaves an empty PNG that looks like a result)
    rmSync(out, { force: true });
    return { ok: false, reason: `Chromium failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  } finally {
    await browser?.close();
  }
}

/**
 * Writes `index.html` (one link per email) and one HTML file per email into
 * `dir`, plus `screenshot.png` of the first email when Chromium is there.
 * Without Chromium the result says why instead of failing: the HTML preview
 * is still worth having. The folders it makes are 0700 and the files 0600
 * whatever the umask: they hold people's names and addresses, and whatever
 * the emails hold (a live code, if the caller did not put a specimen in).
 */
export async function writePreview(dir: string, items: PreviewItem[], options: PreviewOptions = {}): Promise<PreviewResult> {
  await mkdir(join(dir, 'emails'), { recursive: true, mode: 0o700 });
  const files = items.map((_, i) => `emails/${String(i + 1).padStart(4, '0')}.html`);
  await Promise.all(items.map((item, i) => writeFile(join(dir, files[i]!), item.html, { mode: 0o600 })));
  const index = join(dir, 'index.html');
  await writeFile(index, indexPage(items, files), { mode: 0o600 });
  const first = files[0];
  if (options.screenshot === false || !first)
    return { index, files, screenshot: null, reason: first ? 'screenshot not requested' : 'no email to show' };
  const screenshot = join(dir, 'screenshot.png');
  const shot = await takeScreenshot(join(dir, first), screenshot, options);
  return shot.ok ? { index, files, screenshot } : { index, files, screenshot: null, reason: shot.reason };
}
