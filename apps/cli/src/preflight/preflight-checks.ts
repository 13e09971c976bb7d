import { problemText } from '@veza/invite-rules';
import { exitCodeFor, validateCohortFile } from '@veza/cohort-validator';
import { buildInviteEml } from '@veza/email-templates';
import { gatesConfigFromEnv, healthCheck, runGates } from '@veza/gate-probes';
import type { LaunchSettings } from '@veza/gate-probes';
import { createInvites, deleteInvites, deleteUnusedInvitesOf, inviteReport, migrationStatus, TEST_COHORT } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { transportFromEnv } from '@veza/invite-mailer';
import { GATES_TITLE, gatesItem } from './gates-item.js';
import { TRANSPORT_TITLE, transportCheck } from './transport-check.js';
import { cliSettings } from '../env.js';
import { ExitError } from '../exit-error.js';
import { gracefulStop } from '../graceful-stop.js';
import { compileFromEnv } from '../commands/invites-prepare.js';
import { fail, guarded, manual, pass, skipped } from './check-helpers.js';
import type { Check } from './check-helpers.js';
import { redemptionChecks } from './redemption-checks.js';
import { launchItem } from './launch-item.js';
import { backupItem } from './launch-phases.js';
import { shellWord } from '../shell-word.js';

export interface PreflightInput {
  env: NodeJS.ProcessEnv;
  /** null when the database could not be opened: `dbError` says why */
  conn: Connection | null;
  dbError: string | null;
  cohortFile?: string | undefined;
  apiUrl?: string | undefined;
  sendTestTo?: string | undefined;
  expectEmpty: boolean;
  /** the launch-day settings (launchSettingsFromEnv), already validated */
  launch: LaunchSettings;
  /** where the decision phase looks for today's report (default decision-<date>/) */
  reportDir?: string | undefined;
}

export async function databaseChecks(input: PreflightInput): Promise<Check[]> {
  const { conn } = input;
  if (!conn) {
    return [
      fail('Database reachable', input.dbError ?? 'not opened', 'check DATABASE_URL (or VEZA_DATA_DIR) and that the server is up'),
      fail('migrations/990_beta_invites.sql applied', 'no database to look at', 'run: veza-beta db migrate'),
      await backupItem(input.launch),
    ];
  }
  const checks: Check[] = [pass('Database reachable', conn.target)];
  const status = await migrationStatus(conn);
  if (status.edited.length)
    checks.push(
      fail(
        'migrations/990_beta_invites.sql applied',
        `edited after applying: ${status.edited.join(', ')}`,
        'restore the file; put changes in a new migration',
      ),
    );
  else if (status.pending.length)
    checks.push(fail('migrations/990_beta_invites.sql applied', `pending: ${status.pending.join(', ')}`, 'run: veza-beta db migrate'));
  else checks.push(pass('migrations/990_beta_invites.sql applied', `${status.applied.length} migration(s) applied, none pending`));
  if (!status.pending.includes('990_beta_invites.sql')) {
    const total = (await inviteReport(conn.db)).total.invited;
    checks.push(
      input.expectEmpty && total > 0
        ? fail(
            'beta_invites table empty',
            `${total} person(s) invited already`,
            'this database is not fresh: check you are on the right one (--expect-empty)',
          )
        : pass(input.expectEmpty ? 'beta_invites table empty' : 'beta_invites table as expected', `${total} person(s) invited`),
    );
  }
  // PGBACKREST_CMD read and judged, or the BACKUP_CHECK_CMD hook; unset: not checked (naming both)
  checks.push(await backupItem(input.launch));
  return checks;
}

export async function cohortChecks(input: PreflightInput): Promise<Check[]> {
  if (!input.cohortFile) return [skipped('Cohort CSV valid', 'pass --cohort FILE')];
  const result = await validateCohortFile(input.cohortFile);
  const force = cliSettings(input.env).FORCE;
  const code = exitCodeFor(result, { force });
  const first = [...result.errors, ...result.warnings]
    .slice(0, 3)
    .map((f) => `${f.line ? `line ${f.line} ` : ''}${f.message}`)
    .join('; ');
  const t = result.value.summary.thresholds;
  const s = result.value.summary;
  const distribution = `${s.validRows} rows, ${s.creators} creators, ${s.listeners} listeners, ${s.distinctLabels} labels (want ≥ ${t.minRows}/${t.minCreators}/${t.minListeners}/${t.minLabels})`;
  const lowDistribution = result.warnings.some((w) => w.code.startsWith('COHORT_TOO_FEW'));
  return [
    code === 0
      ? pass(
          'Cohort CSV valid',
          result.warnings.length ? `exit 0 with ${result.warnings.length} warning(s) accepted (FORCE=1)` : 'exit 0, no finding',
        )
      : fail(
          'Cohort CSV valid',
          `exit ${code}: ${first}`,
          `run: veza-beta cohort validate ${shellWord(input.cohortFile)}${code === 2 ? ' (accept warnings with FORCE=1)' : ''}`,
        ),
    lowDistribution && !force
      ? fail('Distribution sanity', distribution, 'widen the cohort, or accept with FORCE=1')
      : pass(
          'Distribution sanity',
          lowDistribution ? `${distribution}: below the thresholds, accepted because FORCE=1 is set` : distribution,
        ),
  ];
}

export async function emailChecks(input: PreflightInput): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push(
    ...(await guarded(
      'Email template renders, no placeholder left',
      'set FRONTEND_URL, FEEDBACK_URL, DISCORD_URL, MAIL_FROM (see docs/CONFIGURATION.md)',
      async () => {
        const compiled = await compileFromEnv(input.env);
        const sample = compiled.render({
          email: 'preflight@example.org',
          name: 'Préflight <&>',
          cohort: 'preflight',
          code: '0000-0000-0000-0000',
          expiresAt: new Date(Date.now() + 30 * 864e5),
          inviteId: 'preflight',
        });
        const leftover = /\{\{[^}]*\}\}/.exec(sample.html + sample.text);
        if (leftover) return fail('Email template renders, no placeholder left', `found ${leftover[0]}`, 'fix the template');
        return pass(
          'Email template renders, no placeholder left',
          `feedback ${compiled.settings.feedbackUrl}, links to ${compiled.settings.frontendUrl}/signup`,
        );
      },
    )),
  );
  // The test send runs first: for a SEND_CMD other than msmtp, it is what proves the transport.
  let sendChecks: Check[];
  if (!input.sendTestTo) sendChecks = [skipped("Test send to the operator's own address", 'pass --send-test-to you@veza.fr')];
  else if (!input.conn) sendChecks = [fail("Test send to the operator's own address", 'no database', 'fix the database first')];
  else
    sendChecks = await guarded("Test send to the operator's own address", 'check the transport settings and the address', () =>
      testSend(input, input.conn!, input.sendTestTo!),
    );
  const sent = input.sendTestTo ? (sendChecks[0] ?? null) : null;
  checks.push(
    ...(await guarded(TRANSPORT_TITLE, 'set SEND_CMD to an installed mailer (msmtp -t), or SMTP_URL', () =>
      transportCheck(input.env, sent),
    )),
  );
  checks.push(...sendChecks);
  checks.push(
    manual('The test email reads well in a mail client', 'links clickable, fonts loaded, no {{…}} literal (look at it yourself)'),
  );
  return checks;
}

async function testSend(input: PreflightInput, conn: Connection, to: string): Promise<Check> {
  const compiled = await compileFromEnv(input.env);
  // A test invite left by a preflight killed mid-send would block this one (and read as a broken mailer).
  await deleteUnusedInvitesOf(conn.db, { email: to, cohort: TEST_COHORT });
  const [outcome] = await createInvites(conn.db, [{ email: to, cohort: TEST_COHORT }]);
  if (outcome?.status !== 'created')
    return fail(
      "Test send to the operator's own address",
      `no test invite: ${outcome?.status === 'failed' || outcome?.status === 'skipped' ? outcome.reason : 'unknown'}`,
      'use an address with no open invite',
    );
  // Ctrl-C waits for the send in flight (SEND_TIMEOUT or the SMTP deadlines bound it), so that the
  // test invite is removed and no mailer is left running with its code; a second Ctrl-C quits at once.
  const stop = gracefulStop(
    undefined,
    'stopping after the test send in flight (its test invite is then removed)',
    'the test invite then stays (the next --send-test-to of the same address removes it)',
  );
  let check: Check;
  try {
    check = await sendTestInvite(input.env, compiled, to, outcome);
  } finally {
    await deleteInvites(conn.db, [outcome.id]); // the code in that email stops working: it was only a test
    stop.dispose();
  }
  if (stop.signal.aborted)
    throw new ExitError(
      130,
      'preflight INTERRUPTED during the test send: the send ended and its test invite was removed; the checks after it did not run.',
    );
  return check;
}

async function sendTestInvite(
  env: NodeJS.ProcessEnv,
  compiled: Awaited<ReturnType<typeof compileFromEnv>>,
  to: string,
  invite: { code: string; expiresAt: Date; id: string },
): Promise<Check> {
  const eml = await buildInviteEml(compiled, {
    email: to,
    cohort: TEST_COHORT,
    code: invite.code,
    expiresAt: invite.expiresAt,
    inviteId: invite.id,
  });
  const transport = transportFromEnv(env, 1);
  try {
    const sent = await transport.send(eml, { from: compiled.settings.from.address, to });
    return sent.ok
      ? pass("Test send to the operator's own address", `sent to ${to}: ${sent.response}`)
      : fail("Test send to the operator's own address", sent.response, 'check the transport (SEND_CMD / SMTP_URL)');
  } finally {
    await transport.close();
  }
}

export async function redemptionPathChecks(input: PreflightInput): Promise<Check[]> {
  const checks: Check[] = [];
  if (!input.apiUrl)
    checks.push(
      skipped(
        'Redemption path (fresh, reused, invalid, expired codes)',
        'pass --api-url https://staging.veza.fr/api (or REDEMPTION_API_URL)',
      ),
    );
  else if (!input.conn) checks.push(fail('Redemption path', 'no database', 'fix the database first'));
  else
    checks.push(
      ...(await guarded('Redemption path', `is the redemption-api up at ${input.apiUrl}?`, () =>
        redemptionChecks(input.conn!.db, input.apiUrl!),
      )),
    );
  checks.push(
    manual('The signup form pre-fills ?invite= and refuses to submit without a code', 'open /signup?invite=<test-code> on staging'),
  );
  // HEALTH_URL: 200 and JSON status ok (the D-day item, shown at T-72h too when set)
  if (input.launch.healthUrl)
    checks.push(launchItem(await healthCheck(input.launch, { timeoutMs: input.launch.timeoutMs }), 'look at the backend before sending'));
  return checks;
}

export async function gateChecks(input: PreflightInput, options: { beforeSend?: boolean } = {}): Promise<Check[]> {
  const config = gatesConfigFromEnv(input.env);
  if (!config.ok)
    return [
      fail(
        GATES_TITLE,
        `configuration error: ${config.problems.map(problemText).join('; ')}`,
        'fix the gate settings (docs/CONFIGURATION.md)',
      ),
    ];
  const run = await runGates(config.value, input.conn ? { testers: input.conn } : {});
  return [gatesItem(run, options)];
}

/** What only a person can tick at T-72h, and why. */
export function manualChecks(): Check[] {
  return [
    manual(
      'Same migration applied to prod',
      'a person decides when prod is touched: DATABASE_URL=<prod> veza-beta db migrate, then preflight against prod',
    ),
    manual('Cohort CSV built from the chosen sources', "curating people is a person's job"),
    manual('Email wording reviewed', 'read out-<date>/preview/ after veza-beta invites prepare'),
  ];
}
