import { problemText } from '@veza/invite-rules';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, validateCohortFile } from '@veza/cohort-validator';
import { gatesConfigFromEnv, launchSettingsFromEnv, renderTable, runGates } from '@veza/gate-probes';
import { createUser, inviteReport, openDatabase, runMigrations } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { startSmtpSink } from '@veza/invite-mailer/testing';
import { freePort, startRedemptionApi } from '../demo/redemption-api-process.js';
import { smtpTransport } from '@veza/invite-mailer';
import { dispatchFolder } from '../dispatch/dispatch-folder.js';
import { readManifest } from '../dispatch/manifest.js';
import { createProgress } from '../dispatch/progress.js';
import { ExitError } from '../exit-error.js';
import { prepareInvites } from '../prepare/prepare-invites.js';
import { writeDecisionReport } from '../decision/write-decision-report.js';
import { compileFromEnv } from './invites-prepare.js';
import { formatInviteReport } from './invites-report.js';

const SAMPLE_COHORT = fileURLToPath(new URL('../../demo/sample-cohort.csv', import.meta.url));
const CODE = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/;

const say = (text = '') => process.stdout.write(`${text}\n`);
const indent = (text: string) => text.replace(/^(?=.)/gm, '   ');
const step = (n: number, title: string) => say(`\n${n}. ${title}`);

async function withDb<T>(dataDir: string, work: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await openDatabase({ dataDir });
  try {
    return await work(conn);
  } finally {
    await conn.close(); // PGlite belongs to one process at a time: the API gets it next
  }
}

/**
 * The demo adds its sample invites to the embedded database it finds in its
 * folder, sends them and redeems one: in a folder used before (an earlier demo,
 * or the operator's own, with its `.veza/`) it changed real data and told a
 * story of what did not happen (0 emails rendered, "409 (signed up)"), exit 0.
 */
function refuseUsedFolder(dir: string): void {
  const entries = existsSync(dir) ? readdirSync(dir) : [];
  if (entries.length === 0) return;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
  throw new ExitError(
    1,
    `demo: ${resolve(dir)} is not empty (${shown}). The demo adds its sample invites to the database in its folder, sends them and redeems one, so it works only in a new or empty folder: give another --dir, or leave --dir out (a new temporary folder).`,
  );
}

export const demoCommand: CommandModule<object, { dir?: string; screenshot: boolean }> = {
  command: 'demo',
  describe: 'Run the whole flow on a throwaway embedded database (no server to install, no network)',
  builder: (y) =>
    y
      .option('dir', { type: 'string', describe: 'Work directory, new or empty (default: a new temp directory)' })
      .option('screenshot', {
        type: 'boolean',
        default: true,
        describe: 'Screenshot the first email in headless Chromium when it is installed',
      })
      .example('$0 demo', 'Watch the whole flow once'),
  handler: async (args) => {
    if (args.dir !== undefined) refuseUsedFolder(args.dir);
    const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'veza-demo-'));
    const dataDir = join(dir, '.veza', 'db');
    const apiPort = await freePort();
    // the demo's own embedded database, whatever DATABASE_URL the shell has: unset (a blank one is refused)
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const env: NodeJS.ProcessEnv = {
      ...inherited,
      VEZA_DATA_DIR: join(dir, '.veza'),
      FRONTEND_URL: `http://127.0.0.1:${apiPort}`,
      FEEDBACK_URL: 'https://veza.fr/beta/retours',
      DISCORD_URL: 'https://discord.gg/veza-beta',
      MAIL_FROM: 'Veza <beta@veza.fr>',
      MAIL_REPLY_TO: 'beta@veza.fr',
      MAIL_UNSUBSCRIBE: 'mailto:beta-stop@veza.fr',
      TESTERS_TARGET: '1',
    };
    say('veza-beta demo: the beta launch from a CSV to the GO / NO-GO call, on an embedded');
    say(`database in ${dir}. Nothing leaves this machine: emails go to a local SMTP sink.`);

    step(1, 'Migrate the embedded database (veza-beta db migrate)');
    await withDb(dataDir, async (conn) => {
      const migrated = await runMigrations(conn);
      say(indent(`applied ${migrated.applied.join(', ')}`));
      // sent_by points at users: a standalone database has none, so add the two inviters of the sample.
      for (const operator of ['ops@veza.fr', 'claire.roux@veza.fr']) await createUser(conn.db, operator);
      say(indent('added the two inviters named in sent_by (ops@, claire.roux@) to the standalone users table'));
    });

    step(2, `Validate the sample cohort (veza-beta cohort validate ${SAMPLE_COHORT})`);
    const validation = await validateCohortFile(SAMPLE_COHORT, { collectRows: true });
    say(indent(formatSummary(validation.value.summary)));
    if (!validation.ok) throw new ExitError(1, 'the sample cohort should be valid: this is a bug');

    step(3, 'Prepare the invitations: one invite code and one .eml per person (veza-beta invites prepare)');
    const compiled = await compileFromEnv(env);
    const outDir = join(dir, 'out');
    process.umask(0o077);
    const prepared = await withDb(dataDir, (conn) =>
      prepareInvites(conn, compiled, validation.value.rows ?? [], {
        file: SAMPLE_COHORT,
        outDir,
        ttlDays: 30,
        reissueUnsent: false,
        previewLimit: 5,
        screenshot: args.screenshot,
      }),
    );
    say(indent(`${prepared.created.length} emails rendered into ${outDir} (files readable by you only), ${prepared.failed.length} failed`));
    say(indent(`codes are stored as SHA-256 digests only; manifest.json lists who gets which file, never a code`));
    if (prepared.preview)
      say(
        indent(
          `preview: ${prepared.preview.index}${prepared.preview.screenshot ? ` and ${prepared.preview.screenshot}` : ` (${prepared.preview.reason})`}`,
        ),
      );

    step(4, 'Dispatch them to a local SMTP sink (veza-beta invites dispatch, SMTP_URL)');
    const sinkDir = join(dir, 'smtp-sink');
    const sink = await startSmtpSink(sinkDir);
    const transport = smtpTransport(sink.url, 4);
    const dispatched = await withDb(dataDir, (conn) =>
      dispatchFolder(
        conn,
        outDir,
        readManifest(outDir),
        transport,
        { rate: 200, concurrency: 4, retries: 1, retryDelayMs: 100, resendUnknown: false, failFastAfter: 5 },
        createProgress(0, { tty: false, quiet: true }),
      ),
    ).finally(async () => {
      await transport.close();
      await sink.close();
    });
    say(
      indent(
        `${dispatched.sent} sent, ${dispatched.failed.length} failed; the sink holds ${readdirSync(sinkDir).length} messages in ${sinkDir}; log: ${join(outDir, 'dispatch.log')}`,
      ),
    );

    step(5, 'A tester opens the email and signs up through the redemption API (npm run api)');
    const firstMail = readFileSync(join(sinkDir, readdirSync(sinkDir).sort()[0]!), 'latin1');
    const code = CODE.exec(firstMail)?.[0];
    if (!code) throw new ExitError(1, 'no invite code found in the first email: this is a bug');
    const api = await startRedemptionApi(apiPort, env);
    try {
      const masked = `${code.slice(0, 4)}-****-****-****`;
      say(indent(`the API is up on ${api.url} (the email's link points at its /signup page); code ${masked}`));
      const lookup = await fetch(`${api.url}/v1/invites/${code}`);
      say(
        indent(
          `GET  /v1/invites/{code}  → ${lookup.status} ${JSON.stringify(((await lookup.json()) as { invite?: { state?: string } }).invite?.state ?? '')}`,
        ),
      );
      const redeem = () =>
        fetch(`${api.url}/v1/invites/redeem`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code }),
        });
      const first = await redeem();
      if (lookup.status !== 200 || first.status !== 200)
        throw new ExitError(1, `the sample code answered ${lookup.status} to its lookup and ${first.status} to its redeem: this is a bug`);
      say(indent(`POST /v1/invites/redeem → ${first.status} (signed up)`));
      const again = await redeem();
      const body = (await again.json()) as { error?: { code?: string } };
      say(indent(`POST /v1/invites/redeem → ${again.status} ${body.error?.code ?? ''} (the same code twice: refused)`));
    } finally {
      await api.stop();
    }

    step(6, 'The funnel per cohort (veza-beta invites report)');
    await withDb(dataDir, async (conn) => say(indent(formatInviteReport(await inviteReport(conn.db)))));

    step(7, 'The acceptance gates (veza-beta gates check): testers from the database, the external ones not configured here');
    const config = gatesConfigFromEnv(env);
    if (!config.ok) throw new ExitError(1, config.problems.map(problemText).join('\n'));
    const run = await withDb(dataDir, (conn) => runGates(config.value, { testers: conn }));
    say(indent(renderTable(run)));

    step(8, 'The decision call: one report to look at (veza-beta decision report), then veza-beta decision record GO|NO-GO');
    const launch = launchSettingsFromEnv(env);
    if (!launch.ok) throw new ExitError(1, launch.problems.map(problemText).join('\n'));
    const report = await writeDecisionReport(env, launch.value, run, join(dir, 'decision'), { screenshot: args.screenshot });
    say(
      indent(
        `verdict ${run.verdict}: ${report.html}, ${report.markdown}${report.png ? `, ${report.png}` : ` (no PNG: ${report.pngReason})`}`,
      ),
    );

    say(`\nThat is the whole flow. On launch day the same commands run against PostgreSQL (DATABASE_URL),`);
    say(`with your SEND_CMD or SMTP_URL and the gate settings of docs/CONFIGURATION.md. Start with: veza-beta preflight --help`);
  },
};
