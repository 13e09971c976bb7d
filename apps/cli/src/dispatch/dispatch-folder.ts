import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { inviteEmlProblem } from '@veza/email-templates';
import { dispatchInvites } from '@veza/invite-mailer';
import type { DispatchOptions, DispatchSummary, MailEvent, Transport } from '@veza/invite-mailer';
import type { Connection } from '@veza/invites-db';
import type { Manifest } from './manifest.js';
import type { Progress } from './progress.js';

export type { DispatchSummary };

/** The operator's record of a folder's dispatch: one tab-separated line per outcome, appended. */
export const DISPATCH_LOG = 'dispatch.log';

/** dispatch.log, opened once per dispatch (not once per line): each line is written before the next outcome is handled. */
function openLog(dir: string): { line(event: MailEvent): void; close(): void } {
  let fd: number | undefined;
  return {
    line(event) {
      const clean = event.detail.replace(/[\t\r\n]+/g, ' ');
      fd ??= openSync(join(dir, DISPATCH_LOG), 'a', 0o600);
      writeSync(fd, `${new Date().toISOString()}\t${event.id}\t${event.email}\t${event.type}\t${clean}\n`);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/**
 * Sends a prepared folder through @veza/invite-mailer: the folder and its
 * manifest are the operator's files (read here), the rules are the lib's. Each
 * outcome goes to dispatch.log and, for sends, to the progress bar.
 */
export async function dispatchFolder(
  conn: Connection,
  dir: string,
  manifest: Pick<Manifest, 'invites' | 'mailFrom'>,
  transport: Transport,
  options: Omit<DispatchOptions, 'from' | 'onEvent'> & { only?: ReadonlySet<string> | undefined },
  progress: Progress,
): Promise<DispatchSummary> {
  const { only, ...send } = options;
  const invites = only ? manifest.invites.filter((invite) => only.has(invite.inviteId)) : manifest.invites;
  const items = invites.map((invite) => ({
    inviteId: invite.inviteId,
    email: invite.email,
    cohort: invite.cohort,
    // Read when its turn comes, synchronously: a 20 KB .eml just written is in the page cache, and
    // readFileSync costs about 15 µs of this thread where fs.promises' four thread-pool hops cost 70.
    // A file that is not this invite's whole .eml (copied over, cut short) is a failure, not a send.
    eml: () => {
      const eml = readFileSync(join(dir, invite.file));
      const problem = inviteEmlProblem(eml, invite.inviteId);
      if (problem)
        throw new Error(`${join(dir, invite.file)}: ${problem}; not sent (give the invite a new .eml: invites prepare --reissue-unsent)`);
      return eml;
    },
  }));
  const log = openLog(dir);
  try {
    return await dispatchInvites(conn, items, transport, {
      ...send,
      from: manifest.mailFrom,
      onEvent: (event) => {
        log.line(event);
        if (event.type === 'sent') progress.update(event.done, `sent ${event.email}`);
        else if (event.type === 'failed') progress.update(event.done, `FAILED ${event.email}`);
      },
    });
  } finally {
    log.close();
    progress.finish();
  }
}
