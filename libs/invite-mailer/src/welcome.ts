// The welcome email's builder, apart from the main entry: it needs React and
// react-email (optional peers of @veza/email-templates), which a backend that
// only dispatches invites does not install.
import { buildWelcomeEml } from '@veza/email-templates/welcome';
import type { EmailSettings } from '@veza/email-templates';
import type { WelcomeOutboxRow } from '@veza/invites-db';

/** buildEml for openOutboxSender: the react-email welcome email of one queued row, with the batch's From and Reply-To. */
export function welcomeEmlBuilder(settings: EmailSettings): (row: WelcomeOutboxRow) => Promise<Buffer> {
  return (row) => buildWelcomeEml(settings, row.name ? { email: row.email, name: row.name } : { email: row.email });
}
