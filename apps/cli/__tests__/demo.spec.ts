import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVezaBeta } from './run-veza-beta.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'veza-demo-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('the demo runs the whole flow on the embedded database and tells it as a story', async () => {
  const run = await runVezaBeta(['demo', '--dir', dir, '--no-screenshot'], { cwd: dir });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const out = run.stdout;
  for (const line of [
    '1. Migrate the embedded database',
    'applied 990_beta_invites.sql',
    '60 rows read, 60 valid',
    '60 emails rendered into',
    '60 sent, 0 failed; the sink holds 60 messages',
    'GET  /v1/invites/{code}  → 200 "valid"',
    'POST /v1/invites/redeem → 200 (signed up)',
    'POST /v1/invites/redeem → 409 INVITE_USED',
    'Testers signed up            ✅ pass     1 / ≥ 1',
    'Verdict: ⚪ INCONCLUSIVE (exit 2)',
    '8. The decision call: one report to look at',
    'verdict INCONCLUSIVE: ',
  ]) {
    expect(out).toContain(line);
  }
  expect(out).toMatch(/total {18}60 {4}60 {9}1 /);
  expect(readdirSync(join(dir, 'smtp-sink'))).toHaveLength(60);
  expect(readdirSync(join(dir, 'decision')).sort()).toEqual(['decision.html', 'decision.md']); // --no-screenshot: no PNG
  // the story masks the code it redeems; no full code is printed
  expect(out).not.toMatch(/[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
});

it('a folder used before (an earlier demo, or the operator’s own .veza/) is refused, and its database is left as it was', async () => {
  const before = await runVezaBeta(['invites', 'report'], { cwd: dir, env: { VEZA_DATA_DIR: join(dir, '.veza') } });
  expect(before.stdout).toMatch(/total {18}60 {4}60 {9}1 /);
  const again = await runVezaBeta(['demo', '--dir', dir, '--no-screenshot'], { cwd: dir });
  expect(again.code).toBe(1);
  expect(again.stdout).toBe('');
  expect(again.stderr).toContain(`demo: ${dir} is not empty (`);
  expect(again.stderr).toContain('works only in a new or empty folder: give another --dir, or leave --dir out');
  const after = await runVezaBeta(['invites', 'report'], { cwd: dir, env: { VEZA_DATA_DIR: join(dir, '.veza') } });
  expect(after.stdout).toBe(before.stdout);
  expect(readdirSync(join(dir, 'smtp-sink'))).toHaveLength(60);
});
