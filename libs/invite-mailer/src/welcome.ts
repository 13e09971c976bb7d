// The welcome email's builder, apart from the main entry: it needs React and
// react-email (optional peers of @veza/email-templates), which a backend that
// only dispatches invites does not install. They are loaded on the first email
// built, not on import: a command that never sends one does not pay for React.
import type { EmailSettings } from '@veza/email-templates';
import type { WelcomeOutboxRow } from '@veza/invites-db';
import { WelcomeUnavailableError } from './errors.js';

type BuildWelcomeEml = (
  settings: EmailSettings,
  input: { email: string; name?: string },
  options: { messageIdLocal: string },
) => Promise<Buffer>;

/**
 * buildEml for openOutboxSender: the react-email welcome email of one queued
 * row, with the batch's From and Reply-To. Its Message-ID comes from the row
 * (`welcome-<id>@<From domain>`), the same at every build: a resend (an
 * outcome unknown, sent again) is one email to a mail client, not two.
 */
export function welcomeEmlBuilder(settings: EmailSettings): (row: WelcomeOutboxRow) => Promise<Buffer> {
  let build: Promise<BuildWelcomeEml> | undefined;
  return async (row) => {
    build ??= import('@veza/email-templates/welcome').then(
      (welcome) => welcome.buildWelcomeEml,
      (error: unknown) => {
        build = undefined; // installed later, the next email finds it
        throw new WelcomeUnavailableError(error);
      },
    );
    return (await build)(settings, row.name ? { email: row.email, name: row.name } : { email: row.email }, {
      messageIdLocal: `welcome-${row.id}`,
    });
  };
}
