import { transportFromEnv } from '@veza/invite-mailer';
import type { Transport } from '@veza/invite-mailer';

let warned = false;

/**
 * The transport of a sending command (dispatch, `invites send`, `outbox
 * drain`): SMTP_URL when set, else SEND_CMD, as `transportFromEnv` decides.
 * When both are set, SEND_CMD is not used, and the summaries name no
 * transport: said once on stderr. The seed's habit is `SEND_CMD=… SEND=1`; a
 * SMTP_URL left in a .env otherwise sent every email through another relay
 * without a word.
 */
export function openTransport(env: NodeJS.ProcessEnv, connections: number): Transport {
  const transport = transportFromEnv(env, connections);
  if (!warned && env['SMTP_URL']?.trim() && env['SEND_CMD'] !== undefined) {
    warned = true;
    process.stderr.write(
      `veza-beta: warning: SEND_CMD is set but not used: SMTP_URL is set too, and the emails go through it (${transport.description}); unset SMTP_URL to send through SEND_CMD, or unset SEND_CMD.\n`,
    );
  }
  return transport;
}
