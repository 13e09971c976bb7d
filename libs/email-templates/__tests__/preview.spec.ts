import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modeOf, underUmask000 } from '@veza/test-support';
import { compileInviteTemplate, screenshotHtmlFile, writePreview } from '../src/index.js';
import { DEFAULT_CHROMIUM_PATH } from '../src/write-preview.js';
import { sampleEmailSettings, sampleRecipient } from '../src/testing.js';

// CI installs Chromium and sets VEZA_REQUIRE_CHROMIUM=1, so the screenshot can never be skipped silently there.
const chromium = existsSync(DEFAULT_CHROMIUM_PATH) || process.env['VEZA_REQUIRE_CHROMIUM'] === '1';
if (!chromium)
  console.warn(
    `preview.spec: ${DEFAULT_CHROMIUM_PATH} is absent, screenshot test skipped (apt-get install -y chromium, or set VEZA_REQUIRE_CHROMIUM=1 to fail instead)`,
  );

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veza-preview-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function items() {
  const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
  return [sampleRecipient(), sampleRecipient({ email: 'bob@example.org', name: 'Bob <&>', inviteId: '43' })].map((r) => ({
    to: `${r.name} <${r.email}>`,
    ...compiled.render(r),
  }));
}

it('writes an index linking every rendered email, with names escaped', async () => {
  const result = await writePreview(dir, await items(), { screenshot: false });
  const index = await readFile(result.index, 'utf8');
  expect(result.files).toEqual(['emails/0001.html', 'emails/0002.html']);
  expect(index).toContain('<a href="emails/0002.html">Bob &lt;&amp;&gt; &lt;bob@example.org&gt;</a>');
  expect(await readFile(join(dir, 'emails/0001.html'), 'utf8')).toContain('7K3M-Q9ZD-1XWN-4T8R');
  expect(result).toMatchObject({ screenshot: null, reason: 'screenshot not requested' });
});

it('says why there is no screenshot when Chromium is missing', async () => {
  const result = await writePreview(dir, await items(), { chromiumPath: join(dir, 'no-chromium') });
  expect(result.screenshot).toBeNull();
  expect(result.reason).toContain('Chromium not found');
});

(chromium ? it : it.skip)('takes a PNG screenshot of the first email in headless Chromium', async () => {
  const result = await writePreview(dir, await items());
  expect(result.reason).toBeUndefined();
  const png = await readFile(result.screenshot ?? '');
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.readUInt32BE(16)).toBe(700);
});

it('under umask 000 its folders are 0700 and its files 0600 (they were 0777 and 0666: names and addresses readable and writable by every user)', async () => {
  const emails = await items();
  const result = await underUmask000(() => writePreview(join(dir, 'preview'), emails, { screenshot: false }));
  expect([modeOf(join(dir, 'preview')), modeOf(join(dir, 'preview', 'emails'))]).toEqual(['700', '700']);
  expect([result.index, ...result.files.map((f) => join(dir, 'preview', f))].map(modeOf)).toEqual(['600', '600', '600']);
});

(chromium ? it : it.skip)(
  'a screenshot is written with the mode asked, 0600 by default, under umask 000 (Chromium made it 0666)',
  async () => {
    const { files } = await writePreview(dir, await items(), { screenshot: false });
    const page = join(dir, files[0]!);
    const mine = join(dir, 'mine.png');
    const shared = join(dir, 'shared.png');
    expect(await underUmask000(() => screenshotHtmlFile(page, mine))).toEqual({ ok: true });
    expect(await underUmask000(() => screenshotHtmlFile(page, shared, { mode: 0o644 }))).toEqual({ ok: true });
    expect([modeOf(mine), modeOf(shared)]).toEqual(['600', '644']);
  },
);
