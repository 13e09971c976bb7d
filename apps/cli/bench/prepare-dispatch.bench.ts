import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { generateCohortCsv } from '@veza/cohort-validator/testing';
import { validateCohort } from '@veza/cohort-validator';
import { buildInviteEml, compileInviteTemplate } from '@veza/email-templates';
import { digestCode, generateCode } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { timeIt } from '@veza/test-support';
import type { BenchRun } from '@veza/test-support';
import { startSmtpSink } from '../src/demo/smtp-sink.js';
import { smtpTransport } from '@veza/invite-mailer';
import { dispatchFolder } from '../src/dispatch/dispatch-folder.js';
import { readManifest } from '../src/dispatch/manifest.js';
import { createProgress } from '../src/dispatch/progress.js';
import { prepareInvites } from '../src/prepare/prepare-invites.js';

const SETTINGS = {
  frontendUrl: 'https://beta.veza.fr',
  feedbackUrl: 'https://forms.veza.fr/beta',
  discordUrl: 'https://discord.gg/veza',
  from: 'Veza <beta@veza.fr>',
  replyTo: 'team@veza.fr',
  unsubscribe: 'mailto:beta-stop@veza.fr',
};

/** The seed's SEND_CMD: one process per email reading the .eml on stdin (here it just reads it). */
function sendCmd(eml: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    child.stdin.end(eml);
  });
}

export const run: BenchRun = async (ctx) => {
  const pg = testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres');
  if (!pg) throw new Error('needs the throwaway PostgreSQL (npm run bench starts one)');
  const n = Math.max(200, Math.round(10_000 * ctx.scale));
  const seedN = Math.max(100, Math.round(1_000 * ctx.scale));
  const csv = generateCohortCsv({ rows: n, seed: 7 }).replace(/,[^,\n]*@veza\.fr$/gm, ',');
  const csvFile = join(ctx.tmpDir, 'cohort.csv');
  writeFileSync(csvFile, csv);
  const validation = await validateCohort(csv, { collectRows: true });
  const rows = validation.value.rows ?? [];
  const compiled = await compileInviteTemplate({ settings: SETTINGS });

  ctx.log(`veza-beta: prepare + dispatch ${rows.length} invites to a local SMTP sink`);
  const conn = await openTestDatabase(pg, { maxConnections: 8 });
  const outDir = join(ctx.tmpDir, 'out');
  const sink = await startSmtpSink(join(ctx.tmpDir, 'sink'));
  const transport = smtpTransport(sink.url, 4);
  let sent = 0;
  let prepareMs = 0;
  const oursMs = await timeIt(async () => {
    prepareMs = await timeIt(() => prepareInvites(conn, compiled, rows, { file: csvFile, outDir, ttlDays: 30, reissueUnsent: false, previewLimit: 0, screenshot: false }));
    const summary = await dispatchFolder(conn, outDir, readManifest(outDir), transport, { rate: 1e6, concurrency: 4, retries: 0, retryDelayMs: 0, resendUnknown: false, failFastAfter: 5 }, createProgress(0, { tty: false, quiet: true }));
    sent = summary.sent;
  });
  await transport.close();
  await sink.close();
  await conn.close();

  ctx.log(`seed way: one transaction and one SEND_CMD process per recipient, ${seedN} invites`);
  const seedConn = await openTestDatabase(pg);
  const sql = postgres(seedConn.url!, { max: 1, onnotice: () => undefined });
  const seedMs = await timeIt(async () => {
    for (const row of rows.slice(0, seedN)) {
      const code = generateCode();
      const [invite] = await sql.begin((tx) => tx`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(code)}, ${row.email}, ${row.cohort}) RETURNING id, expires_at`);
      const inviteId = String(invite!['id']);
      const eml = await buildInviteEml(compiled, { email: row.email, cohort: row.cohort, code, expiresAt: new Date(), inviteId });
      await sendCmd(eml);
      await sql`UPDATE beta_invites SET sent_at = now() WHERE id = ${inviteId}`;
    }
  });
  await sql.end();
  await seedConn.close();

  const ours = (sent / oursMs) * 1000;
  const seed = (seedN / seedMs) * 1000;
  return {
    title: 'cli: prepare + dispatch (throwaway PostgreSQL, local SMTP sink)',
    figures: [
      {
        label: `prepare + dispatch ${rows.length.toLocaleString('en-US')} invites`,
        measured: { name: 'veza-beta (batch insert, compiled template, .eml files, claims, 4 SMTP connections)', value: ours, unit: 'emails/s' },
        baseline: { name: 'seed way (a transaction and a SEND_CMD process per recipient)', value: seed, unit: 'emails/s' },
        ratio: ours / seed,
      },
    ],
    notes: [
      `The seed way ran on ${seedN.toLocaleString('en-US')} recipients and its SEND_CMD only reads the message (\`cat > /dev/null\`), which is cheaper than a real msmtp: the baseline is flattered, not the measured side.`,
      `veza-beta: prepare took ${Math.round(prepareMs)} ms, dispatch ${Math.round(oursMs - prepareMs)} ms.`,
      `veza-beta delivered ${sent.toLocaleString('en-US')} messages over SMTP to the sink, writing every .eml to disk and recording each send in the database before and after.`,
    ],
  };
};
