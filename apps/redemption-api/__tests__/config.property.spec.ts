import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatProblems } from '@veza/settings';
import { childEnv, fuzzOptions } from '@veza/test-support';
import { CONFIG_VARIABLES, parseConfig } from '../src/config.js';

// Any value in any of the API's variables, and values that carry a known password or token (in a URL's user
// info, as a user name alone, percent-encoded, in a list): parseConfig never throws, every problem names a
// variable the API reads, and no problem gives the password, the token or a URL's user info away. The bulk runs
// in process; a few dozen values go through the real process, which must exit 3 with the variable's name and
// no stack trace. tools/fuzz/run.sh runs it longer with random seeds.

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));

/** A password or token of its own characters, so that no other text of a message can hold it by chance. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{6,14}$/).map((s) => `Pw${s}Zq`);
const SECRET_VARIABLES = new Set(['ADMIN_TOKEN', 'DATABASE_URL', 'SMTP_URL']);
/**
 * Values holding `pw` for variable `name`. The bare password only in a secret variable: a value of PORT or
 * LOG_LEVEL is shown on purpose (`got "…"`), it is no secret; only inside a URL's user info is it one anywhere.
 */
const withSecret = (pw: string, name: string) =>
  fc.constantFrom(
    ...(SECRET_VARIABLES.has(name) ? [pw, ` ${pw}`] : []),
    `https://ops:${pw}@veza.fm`,
    `https://${pw}@veza.fm`,
    `https://ops:${pw}@veza.fm/path?x=1`,
    `http://ops:${pw}@[::1]:8080`,
    `postgres://app:${pw}@db.internal:5432/veza`,
    `postgres://app:${pw}@db.internal/veza?sslmode=nonsense`,
    `postgresql://app@db/veza?password=${pw}`,
    `smtp://mailer:${pw}@relay.example.org:587`,
    `smtps://${pw}@relay`,
    `ftp://u:${pw}@h`,
    `https://veza.fm,https://ops:${pw}@b.veza.fm`,
    `https://ops:${pw}@a.veza.fm, https://veza.fm/x`,
    `https://ops:${encodeURIComponent(`${pw}/@?#`)}@veza.fm`,
    ` https://ops:${pw}@veza.fm `,
  );
const junk = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom('0', '-1', '1e3', '8080.5', '65536', 'true', 'false', '1', '::', '10.0.0.0/33', 'https://veza.fm', 'a@b', '\u0000', ' '),
);

const caseArb = fc.tuple(secret, fc.constantFrom(...CONFIG_VARIABLES)).chain(([pw, name]) =>
  fc.record({
    pw: fc.constant(pw),
    name: fc.constant(name),
    value: withSecret(pw, name),
    others: fc.dictionary(fc.constantFrom(...CONFIG_VARIABLES), junk, { maxKeys: 4 }),
    welcome: fc.boolean(),
  }),
);

function envOf(c: { name: string; value: string; others: Record<string, string>; welcome: boolean }): Record<string, string> {
  return { ...(c.welcome ? { WELCOME_EMAIL: '1' } : {}), ...c.others, [c.name]: c.value };
}

/** Whether text shows the password, or a user info: anything between `://` and an `@` but `***`. */
function leaks(text: string, pw: string): boolean {
  return text.includes(pw) || text.includes(encodeURIComponent(pw)) || /:\/\/(?!\*\*\*@)[^\s"',/]*@/.test(text);
}

describe('the API settings, fuzzed', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('never throw, name the variable, and never show a password, a token or a user info', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const result = parseConfig(envOf(c));
        if (result.ok) return;
        for (const problem of result.problems) expect(CONFIG_VARIABLES).toContain(problem.field);
        const text = formatProblems(result.problems, { app: 'redemption-api' });
        if (leaks(text, c.pw)) throw new Error(`a problem shows the secret ${c.pw}: ${text}`);
        // a value the API refuses in a secret variable is never quoted at all
        if (SECRET_VARIABLES.has(c.name)) expect(text).not.toContain(c.value.trim());
      }),
      fuzzOptions(20261130, 3000),
    );
  });

  it('the real process exits 3 naming the variable, without a stack trace or the secret', async () => {
    const refused = fc
      .sample(caseArb, { ...fuzzOptions(20261201, 400), numRuns: 400 })
      .filter((c) => !parseConfig(envOf(c)).ok)
      // a real environment cannot hold a NUL byte (spawn refuses it): those stay in-process only
      .filter((c) => !Object.values(envOf(c)).some((value) => value.includes('\u0000')))
      .slice(0, Number(process.env['FUZZ_RUNS']) > 0 ? 40 : 8);
    expect(refused.length).toBeGreaterThanOrEqual(8);
    const dir = mkdtempSync(join(tmpdir(), 'api-settings-'));
    dirs.push(dir);
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin], {
          env: { ...childEnv(), VEZA_DATA_DIR: dir, PORT: '0', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const deadline = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`no exit within 30 s for ${JSON.stringify(Object.keys(env))}`));
        }, 30_000);
        child.on('close', (code) => {
          clearTimeout(deadline);
          resolve({ code, stderr, stdout });
        });
      });
    for (let i = 0; i < refused.length; i += 2) {
      const batch = refused.slice(i, i + 2);
      const results = await Promise.all(batch.map((c) => run(envOf(c))));
      results.forEach((result, k) => {
        const c = batch[k]!;
        const problems = parseConfig(envOf(c));
        const named = problems.ok ? [] : problems.problems.map((p) => p.field);
        expect({ env: envOf(c), code: result.code }).toEqual({ env: envOf(c), code: 3 });
        expect(named.some((name) => result.stderr.includes(`configuration error: ${name} `))).toBe(true);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        if (leaks(result.stderr + result.stdout, c.pw)) throw new Error(`the process showed the secret ${c.pw}: ${result.stderr}`);
      });
    }
  }, 120_000);
});
