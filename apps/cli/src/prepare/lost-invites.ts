import { invitedAddresses, sendStates } from '@veza/invites-db';
import type { Database } from '@veza/invites-db';
import { emailedFromLog, readDispatchLog } from '../dispatch/dispatch-folder.js';
import { foldersBeside, manifestEntries } from '../dispatch/find-prepared.js';

/**
 * A person the out-<date>/ folders say was emailed an invitation whose invite
 * the database no longer has: it was restored from a backup taken before that
 * send (or the invite was deleted by hand). The link in their email answers
 * "invalid code"; a new invite would mail them a second code, unannounced.
 */
export interface LostInvite {
  email: string;
  /** the folder whose dispatch.log recorded the send */
  dir: string;
  /** when dispatch.log recorded it sent; null when it was handed to the mailer with no outcome recorded (it may have gone out) */
  sentAt: string | null;
}

/**
 * Of `emails`, those (lowercased) whose invitation the folders beside `outDir`
 * say went out (a `sent` line in their dispatch.log, or a `sending` line with
 * no outcome or an unknown one; not one the mailer refused: emailedFromLog)
 * while the database has neither that invite nor any other of the address. An
 * invite whose manifest says it has expired is not counted: `invites
 * cleanup` deletes expired invites, and their codes were dead anyway. Manifests
 * written before they recorded the expiry (2026-12-01) count every such invite.
 */
export async function lostInvites(
  db: Database,
  outDir: string,
  emails: readonly string[],
  now: Date = new Date(),
): Promise<Map<string, LostInvite>> {
  const wanted = new Set(emails.map((email) => email.trim().toLowerCase()));
  const emailed = new Map<string, LostInvite>();
  for (const dir of foldersBeside(outDir)) {
    const listed = manifestEntries(dir).filter(
      (entry) =>
        typeof entry.email === 'string' &&
        wanted.has(entry.email.trim().toLowerCase()) &&
        !(typeof entry.expiresAt === 'string' && Date.parse(entry.expiresAt) <= now.getTime()),
    );
    if (listed.length === 0) continue;
    const log = readDispatchLog(dir, new Set(listed.map((entry) => entry.inviteId)));
    // a 'sent' line, or a 'sending' line with no outcome: not one the mailer refused (never received)
    const mayHaveGone = emailedFromLog(log);
    for (const entry of listed) {
      if (!mayHaveGone.has(entry.inviteId)) continue;
      const sent = log.sends.get(entry.inviteId);
      emailed.set(entry.inviteId, { email: entry.email.trim().toLowerCase(), dir, sentAt: sent?.loggedAt ?? null });
    }
  }
  if (emailed.size === 0) return new Map();
  const lost = new Map<string, LostInvite>();
  // one query for every id (sendStates passes them as one array parameter, as settleFromLog asks for a folder's)
  for (const state of await sendStates(db, [...emailed.keys()]))
    if (state.state === 'missing') {
      const invite = emailed.get(state.id)!;
      const known = lost.get(invite.email);
      // the newest send the folders recorded for the address
      if (!known || (invite.sentAt ?? '') > (known.sentAt ?? '')) lost.set(invite.email, invite);
    }
  if (lost.size === 0) return lost;
  // an invite of the address made since the restore (by a backend, by another prepare) is the one that counts
  for (const email of await invitedAddresses(db, [...lost.keys()])) lost.delete(email);
  return lost;
}
