// Type-checked with strict and skipLibCheck: false: our declaration files must hold.
import { INVITE_LIMITS, cohortProblem, emailProblem, nameProblem } from '@veza/invite-rules';
import type { EmailProblem, Problem, Role, Validation } from '@veza/invite-rules';
import { SettingsInvalidError, parseSettings, readSettings, wholeNumberField } from '@veza/settings';
import type { SettingsErrorCode, SettingsRead } from '@veza/settings';
import { z } from 'zod';
import { createInvites, lookupInvite, openDatabase, redeemInvite, runMigrations, toDatabase, InvitesDbError } from '@veza/invites-db';
import type { Connection, Database, DatabaseClient, HoldLockOptions } from '@veza/invites-db';
import { buildInviteEml, compileInviteTemplate, RecipientInvalidError } from '@veza/email-templates';
import type { CompiledInvite, InviteRecipient } from '@veza/email-templates';
import { exitCodeFor, validateCohort } from '@veza/cohort-validator';
import type { Finding } from '@veza/cohort-validator';
import { gatesConfigFromEnv, runGates } from '@veza/gate-probes';
import type { GateRun } from '@veza/gate-probes';
import { dispatchInvites, openOutboxSender, runOutboxLoop, transportFromEnv, workerProcess, MailerError } from '@veza/invite-mailer';
import type { DispatchOptions, DispatchSummary, OutboxLoop, OutboxSummary, Transport, WorkerProcess } from '@veza/invite-mailer';
import { fakeTransport } from '@veza/invite-mailer/testing';

export async function backend(client: DatabaseClient): Promise<number> {
  const role: Role = 'creator';
  const problem: EmailProblem | null = emailProblem('a@b.org');
  const conn: Connection = await openDatabase({ dataDir: 'memory://' });
  await runMigrations(client);
  const db: Database = toDatabase(client);
  const [outcome] = await createInvites(db, [{ email: 'a@b.org', cohort: 'c', role }]);
  const state = (await lookupInvite(conn.db, 'x')).state;
  const redeemed = await redeemInvite(db, 'x');
  const compiled: CompiledInvite = await compileInviteTemplate({ settings: {} });
  const recipient: InviteRecipient = { email: 'a@b.org', cohort: 'c', code: 'x', expiresAt: new Date(), inviteId: 1 };
  const eml: Buffer = await buildInviteEml(compiled, recipient);
  const checked = await validateCohort('email,cohort\n');
  const findings: Finding[] = checked.errors;
  const config = gatesConfigFromEnv({});
  const run: GateRun | null = config.ok ? await runGates(config.value, {}) : null;
  const transport: Transport = fakeTransport();
  let claimer = '';
  const options: DispatchOptions = { from: 'a@b.org', beforeClaims: (claimedBy: string) => void (claimer = claimedBy) };
  const dispatched: DispatchSummary = await dispatchInvites(
    conn,
    [
      {
        inviteId: outcome?.status === 'created' ? outcome.id : '',
        email: 'a@b.org',
        cohort: 'c',
        eml: ({ claimedBy }) => (claimedBy ? eml : eml),
      },
    ],
    transport,
    options,
  );
  const claimerProcess: WorkerProcess = workerProcess(claimer, new Date());
  const sender = await openOutboxSender(conn, transportFromEnv({}, 1), { from: 'a@b.org', buildEml: async () => eml });
  const drained: OutboxSummary = await sender.drain();
  const loop: OutboxLoop = runOutboxLoop(sender, {
    intervalMs: 1_000,
    onSummary: (s: OutboxSummary) => s.sent,
    onError: (e: unknown) => e,
  });
  loop.nudge();
  await loop.stop();
  const lockOptions: HoldLockOptions = { onLost: (reason: string) => reason.length };
  const release: () => Promise<void> = await conn.holdLock('x', lockOptions);
  await release();
  await conn.close({ now: true });
  const schema = z.object({ PORT: wholeNumberField(0, 65535).default(8080) });
  const port: Validation<{ PORT: number }> = parseSettings(schema, { PORT: '80' });
  const read: SettingsRead<{ PORT: number }> = readSettings(schema, { env: {} });
  const problems: readonly Problem[] = port.ok ? [] : port.problems;
  const code: SettingsErrorCode = new SettingsInvalidError(problems).code;
  const errors = [
    new InvitesDbError('INVITES_INVALID_INPUT', 'x'),
    new RecipientInvalidError('name', 'x'),
    new MailerError('MAILER_INVALID_OPTION', 'x'),
  ];
  return [
    port,
    read,
    code,
    INVITE_LIMITS.cohortLength,
    cohortProblem('x'),
    nameProblem('x'),
    problem,
    outcome,
    state,
    redeemed,
    eml,
    findings,
    run,
    exitCodeFor(checked),
    errors,
    dispatched,
    drained,
    claimerProcess,
    sender.worker,
  ].length;
}
