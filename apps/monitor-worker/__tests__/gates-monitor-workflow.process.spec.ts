/**
 * docs/ci/gates-monitor.yml as GitHub Actions runs it: the "Check the gates"
 * step's `run:` script, read from the file operators copy, run by
 * `bash --noprofile --norc -eo pipefail` (Actions' `shell: bash`) in a
 * checkout, with its `env:` block evaluated as Actions does (an unset secret
 * or variable is an empty string), the runner's own variables
 * (GITHUB_API_URL, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY …), and the gate APIs
 * stood in for by a local server (their base URLs added, as no `vars.` of the
 * workflow can point there).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createInvites, formatCode, openDatabase, redeemInvite, runMigrations } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { childEnv } from '@veza/test-support';
import { FAKE_TOKENS, FakeGateApis } from '../testing/fake-gate-apis.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const workflowFile = join(repoRoot, 'docs/ci/gates-monitor.yml');
const apis = new FakeGateApis();
const dirs: string[] = [];

interface Step {
  env: [name: string, value: string][];
  run: string;
}

/**
 * The named step of the workflow: its `env:` entries (values as written) and its `run: |` script. A reader for
 * this file's shape only; anything else in that step (another block style, a multi-line value) throws.
 */
function workflowStep(text: string, name: string): Step {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === `- name: ${name}`);
  if (start < 0) throw new Error(`no step "${name}" in ${workflowFile}`);
  const keyIndent = lines[start]!.indexOf('-') + 2;
  const indent = (line: string) => line.length - line.trimStart().length;
  const step: Step = { env: [], run: '' };
  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() !== '' && indent(line) < keyIndent) break;
    if (line.trim() === '' || line.trim().startsWith('#') || indent(line) > keyIndent) {
      i++;
      continue;
    }
    const key = line.trim();
    i++;
    if (key === 'env:') {
      for (; i < lines.length && (lines[i]!.trim() === '' || indent(lines[i]!) > keyIndent); i++) {
        const entry = lines[i]!.trim();
        if (entry === '' || entry.startsWith('#')) continue;
        const match = /^([A-Z0-9_]+): (.+)$/.exec(entry);
        if (!match) throw new Error(`env entry not understood: ${entry}`);
        const value = match[2]!;
        step.env.push([match[1]!, /^'.*'$/.test(value) ? value.slice(1, -1) : value]);
      }
    } else if (key === 'run: |') {
      const block: string[] = [];
      for (; i < lines.length && (lines[i]!.trim() === '' || indent(lines[i]!) > keyIndent); i++) block.push(lines[i]!);
      while (block.length && block.at(-1)!.trim() === '') block.pop();
      const blockIndent = indent(block[0]!);
      step.run = block.map((l) => l.slice(blockIndent)).join('\n') + '\n';
    } else if (key.startsWith('run:')) throw new Error(`run is not a | block: ${key}`);
  }
  if (!step.run) throw new Error(`step "${name}" has no run: | script`);
  return step;
}

/** A value of the env block as Actions gives it: `${{ secrets.X }}`, `${{ vars.X }}`, `a || b` of those; unset is ''. */
function evaluate(value: string, contexts: { secrets: Record<string, string>; vars: Record<string, string> }): string {
  const expression = /^\$\{\{ (.+) \}\}$/.exec(value);
  if (!expression) {
    if (value.includes('${{')) throw new Error(`expression not understood: ${value}`);
    return value;
  }
  const operand = (text: string) => {
    const ref = /^(secrets|vars)\.([A-Za-z0-9_]+)$/.exec(text.trim());
    if (!ref) throw new Error(`expression not understood: ${value}`);
    return contexts[ref[1] as 'secrets' | 'vars'][ref[2]!] ?? '';
  };
  return expression[1]!.split('||').reduce((found, text) => found || operand(text), '');
}

interface StepRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and the files the step wrote in the checkout */
  output: string;
  summary: string;
  junit: string | null;
}

/** The runner's own variables that the gates read, as on github.com. */
const RUNNER_ENV = { CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_API_URL: 'https://api.github.com', GITHUB_REF: 'refs/heads/main' };

/** Runs the step in a checkout of its own (links to this repository's files: the step writes its reports there). */
function runStep(
  contexts: { secrets?: Record<string, string>; vars?: Record<string, string> },
  standIns: Record<string, string> = {},
): Promise<StepRun> {
  const step = workflowStep(readFileSync(workflowFile, 'utf8'), 'Check the gates');
  const workspace = mkdtempSync(join(tmpdir(), 'veza-actions-'));
  dirs.push(workspace);
  for (const entry of readdirSync(repoRoot))
    if (!['.git', '.env', 'gates-junit.xml', 'gates.md'].includes(entry)) symlinkSync(join(repoRoot, entry), join(workspace, entry));
  const runnerFiles = mkdtempSync(join(tmpdir(), 'veza-runner-'));
  dirs.push(runnerFiles);
  const script = join(runnerFiles, 'step.sh');
  writeFileSync(script, step.run);
  const output = join(runnerFiles, 'output');
  const summary = join(runnerFiles, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '## an earlier step\n\n');
  const given = { secrets: contexts.secrets ?? {}, vars: contexts.vars ?? {} };
  const env = childEnv({
    ...RUNNER_ENV,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    ...Object.fromEntries(step.env.map(([name, value]) => [name, evaluate(value, given)])),
    ...standIns,
  });
  return new Promise((resolve, reject) => {
    // its own process group: a step that hangs is killed whole (bash, npm and the monitor), not bash alone
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    // before jest's own 60 s test timeout, which would leave the step running after the test
    const timer = setTimeout(() => {
      stderr += '\n[spec] the step did not end within 45 s: killed\n';
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 45_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      let junit: string | null = null;
      try {
        junit = readFileSync(join(workspace, 'gates-junit.xml'), 'utf8');
      } catch {
        junit = null;
      }
      resolve({ code, stdout, stderr, output: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8'), junit });
    });
  });
}

/** The stand-in APIs in place of the real ones: the settings no `vars.` can give (base URLs), and those that may. */
function standInVars() {
  const env = apis.gateEnv();
  return {
    vars: {
      SENTRY_ORG: env['SENTRY_ORG']!,
      STATUSPAGE_URL: env['STATUSPAGE_URL']!,
      PROM_URL: env['PROM_URL']!,
      GATES_GITHUB_REPO: env['GITHUB_REPO']!,
      K6_WORKFLOW: env['K6_WORKFLOW']!,
    },
    secrets: { SENTRY_AUTH_TOKEN: FAKE_TOKENS.sentry, GITHUB_TOKEN: FAKE_TOKENS.github, GATES_WEBHOOK_URL: apis.webhookUrl },
    baseUrls: { SENTRY_URL: env['SENTRY_URL']!, GITHUB_API_URL: env['GITHUB_API_URL']! },
  };
}

const secretsIn = (ran: StepRun) =>
  [FAKE_TOKENS.sentry, FAKE_TOKENS.github, FAKE_TOKENS.webhook].filter((token) =>
    [ran.stdout, ran.stderr, ran.summary, ran.junit ?? ''].some((text) => text.includes(token)),
  );

beforeAll(() => apis.start());
afterAll(async () => {
  await apis.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
beforeEach(() => {
  apis.scenario = { sentryIssues: 0, indicator: 'none', prom: ['1'], k6HoursAgo: 6, highIssues: 0, webhookFailures: 0 };
});

describe('docs/ci/gates-monitor.yml, step "Check the gates", as Actions runs it', () => {
  it('a repository that has set no secret and no variable (only the automatic GITHUB_TOKEN): ⚪, the step passes with a warning, not a configuration error', async () => {
    // every one of the step's optional settings arrives empty; GITHUB_API_URL is the runner's. It was exit 3, so every
    // scheduled run failed: "GITHUB_REPO is required for the k6 and HIGH issues gates"
    const ran = await runStep({ secrets: { GITHUB_TOKEN: 'ghs_automatic0123456789' } });
    expect(ran.stderr).not.toMatch(/configuration error/);
    expect(ran.code).toBe(0);
    expect(ran.output).toBe('exit_code=2\n');
    expect(ran.stdout).toContain('::warning title=Beta gates::inconclusive');
    // appended after what an earlier step wrote
    expect(ran.summary).toMatch(/^## an earlier step\n\n## ⚪ INCONCLUSIVE: beta gates\n/);
    expect(ran.junit).toContain('tests="6" failures="0" errors="0" skipped="6"');
  });

  it('NO-GO: the step fails (exit 1) with its JUnit (a <failure> for the red gate) and summary; the GitHub gates use GATES_GITHUB_TOKEN, no token is shown', async () => {
    apis.scenario.sentryIssues = 2;
    const { vars, secrets, baseUrls } = standInVars();
    // the workflow's own token cannot read another repository (nor actions/issues here: its permissions): a token for it
    const ran = await runStep(
      { vars, secrets: { ...secrets, GITHUB_TOKEN: 'ghs_automatic0123456789', GATES_GITHUB_TOKEN: FAKE_TOKENS.github } },
      baseUrls,
    );
    expect(ran.code).toBe(1);
    expect(ran.output).toBe('exit_code=1\n');
    expect(ran.stdout).toContain('::error title=Beta gates::NO-GO');
    expect(ran.summary).toMatch(/^## an earlier step\n\n## 🔴 NO-GO: beta gates\n/);
    expect(ran.junit).toContain('tests="6" failures="1" errors="0" skipped="1"');
    expect(ran.junit).toMatch(/<testcase classname="gates.sentry"[^>]*>\s*<failure /);
    expect(ran.junit).toMatch(/<testcase classname="gates.k6"[^>]*>\s*<system-out>/);
    expect(ran.junit).toMatch(/<testcase classname="gates.high_issues"[^>]*>\s*<system-out>/);
    expect(secretsIn(ran)).toEqual([]);
  });

  it('a configuration error (a variable set wrong): the step fails (exit 3), named in the log and in the job summary', async () => {
    const ran = await runStep({
      vars: { K6_WORKFLOW: 'nightly', GATES_GITHUB_REPO: 'veza/app' },
      secrets: { GITHUB_TOKEN: 'ghs_automatic0123456789' },
    });
    expect(ran.code).toBe(3);
    expect(ran.output).toBe('exit_code=3\n');
    expect(ran.stderr).toContain('K6_WORKFLOW must be a workflow file name (nightly.yml) or id (got "nightly")');
    expect(ran.junit).toBeNull();
    // the job summary is where the scheduled run is read: an empty one under a red job said nothing
    expect(ran.summary).toMatch(/^## an earlier step\n\n.*configuration error.*exit 3/s);
  });

  (testBackends().some((b) => b.name === 'postgres') ? it : it.skip)(
    'GO with GATES_DATABASE_URL and TESTERS_TARGET: the step passes (exit 0) with its notice, summary and JUnit; no token shown',
    async () => {
      const { url } = await testBackends()
        .find((b) => b.name === 'postgres')!
        .create();
      const conn = await openDatabase({ databaseUrl: url });
      try {
        await runMigrations(conn);
        const outcomes = await createInvites(conn.db, [
          { email: 'a@example.org', cohort: 'creators-2026' },
          { email: 'b@example.org', cohort: 'creators-2026' },
        ]);
        for (const outcome of outcomes) if (outcome.status === 'created') await redeemInvite(conn.db, formatCode(outcome.code));
      } finally {
        await conn.close();
      }
      const { vars, secrets, baseUrls } = standInVars();
      const ran = await runStep({ vars: { ...vars, TESTERS_TARGET: '2' }, secrets: { ...secrets, GATES_DATABASE_URL: url! } }, baseUrls);
      expect(ran.code).toBe(0);
      expect(ran.output).toBe('exit_code=0\n');
      expect(ran.stdout).toContain('::notice title=Beta gates::GO');
      expect(ran.summary).toMatch(/^## an earlier step\n\n## ✅ GO: beta gates\n/);
      expect(ran.junit).toContain('tests="6" failures="0" errors="0" skipped="0"');
      expect(secretsIn(ran)).toEqual([]);
    },
  );
});
