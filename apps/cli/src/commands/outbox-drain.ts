import { problemText } from '@veza/invite-rules';
import { SETTINGS_EXIT_CODE } from '@veza/settings';
import type { CommandModule } from 'yargs';
import { emailSettingsFromEnv } from '@veza/email-templates';
import { DEFAULT_MAX_ATTEMPTS, openOutboxSender } from '@veza/invite-mailer';
import type { OutboxSummary } from '@veza/invite-mailer';
import { welcomeEmlBuilder } from '@veza/invite-mailer/welcome';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { gracefulStop } from '../graceful-stop.js';
import { printJson } from '../output.js';
import { failFastFrom, rateFrom, sendingOptions, transportHint } from './invites-dispatch.js';
import { openTransport } from '../dispatch/open-transport.js';

interface DrainArgs {
  rate?: number;
  retries: number;
  'retry-delay': number;
  'max-attempts': number;
  'resend-unknown': boolean;
  json: boolean;
}

export function formatOutboxSummary(summary: OutboxSummary): string {
  const lines = [
    `outbox drain: ${summary.sent} welcome email(s) sent, ${summary.failed.length} failed, ${summary.unknown.length} unknown, ${summary.exhausted.length} given up${summary.inFlightElsewhere ? `, ${summary.inFlightElsewhere} being sent by another sender` : ''}.`,
  ];
  for (const f of summary.failed) lines.push(`  failed     ${f.email}: ${f.response}`);
  for (const u of summary.unknown)
    lines.push(
      `  unknown    ${u.email}: ${u.reason ?? `claimed by ${u.claimedBy ?? '?'} at ${u.claimedAt ?? '?'}, outcome not recorded (a crash mid-send?)`}. Check the mail log; resend with --resend-unknown.`,
    );
  for (const e of summary.exhausted)
    lines.push(`  given up   ${e.email}: ${e.attempts} attempts, last: ${e.lastError ?? '?'} (raise --max-attempts to try again)`);
  if (summary.stopped) {
    lines.push(
      `Drain STOPPED after ${summary.stopped.failures} consecutive failures of the same kind: ${summary.stopped.response}`,
      `  ${transportHint(summary.stopped.response)}.`,
      `  The other welcome emails stay queued: fix the transport, then run 'veza-beta outbox drain' again (FAIL_FAST_AFTER sets the limit).`,
    );
  }
  if (summary.lockLost)
    lines.push(
      "Drain STOPPED: its database lock was lost (the server restarted, or the connection was cut): other senders could take its claim for a crash's; the other welcome emails stay queued: run 'veza-beta outbox drain' again.",
    );
  if (summary.failed.length && !summary.stopped) lines.push("Run 'veza-beta outbox drain' again to retry the failed ones.");
  return lines.join('\n');
}

export function outboxExitCode(summary: OutboxSummary): number {
  return summary.failed.length > 0 || summary.unknown.length > 0 || summary.exhausted.length > 0 || summary.stopped || summary.lockLost
    ? 1
    : 0;
}

export const outboxDrainCommand: CommandModule<object, DrainArgs> = {
  command: 'drain',
  describe: 'Send the queued welcome emails, each exactly once (SEND_CMD or SMTP_URL)',
  builder: (y) =>
    sendingOptions(y, 'welcome emails')
      .option('max-attempts', {
        type: 'number',
        default: DEFAULT_MAX_ATTEMPTS,
        describe: 'Give up on a queued email after this many failed drains',
      })
      .example('SMTP_URL=smtps://user:pass@smtp.example.org $0 outbox drain', 'Send what redemptions queued (cron: every few minutes)'),
  handler: async (args) => {
    const env = loadEnv();
    const settings = emailSettingsFromEnv(env);
    if (!settings.ok)
      throw new ExitError(
        SETTINGS_EXIT_CODE,
        `cannot render the welcome email; fix these settings first:\n  ${settings.problems.map(problemText).join('\n  ')}`,
      );
    const rate = rateFrom(args, env);
    const failFastAfter = failFastFrom(env);
    const transport = openTransport(env, 1);
    try {
      const result = await withDatabase(env, async (conn) => {
        const sender = await openOutboxSender(conn, transport, {
          from: settings.value.from.address,
          buildEml: welcomeEmlBuilder(settings.value),
          rate,
          retries: args.retries,
          retryDelayMs: args['retry-delay'],
          failFastAfter,
          resendUnknown: args['resend-unknown'],
          maxAttempts: args['max-attempts'],
          onEvent: args.json ? undefined : (event) => process.stderr.write(`[${event.done}] ${event.type} ${event.email}\n`),
        });
        // Ctrl-C: the drain ends after the email in flight (recorded, not "unknown"); the rest stays queued.
        const stop = gracefulStop(() => void sender.close());
        try {
          const drained = await sender.drain();
          return { summary: drained, interrupted: stop.signal.aborted };
        } finally {
          stop.dispose();
          await sender.close();
        }
      });
      if (args.json) printJson(result.summary);
      else process.stdout.write(`${formatOutboxSummary(result.summary)}\n`);
      if (result.interrupted)
        process.stdout.write('Drain INTERRUPTED: the other welcome emails stay queued; run the same command again.\n');
      process.exitCode = result.interrupted ? 130 : outboxExitCode(result.summary);
    } finally {
      await transport.close();
    }
  },
};
