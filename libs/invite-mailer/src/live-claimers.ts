import { isDispatcherAlive } from '@veza/invites-db';
import type { Database } from '@veza/invites-db';
import { workerProcess } from './worker-id.js';

/**
 * Which claimers of `claims` are sending right now, by claimer id ('' for a claim that names none: never): one
 * that holds its lock, or whose process still runs on this machine (its lock's session was lost: it stops
 * claiming, but what it has with the mailer is still on its way; resent by resendUnknown, it went out twice).
 * One question per claimer. Invite dispatch and the welcome outbox judge their claims alike.
 */
export async function liveClaimers(
  db: Database,
  claims: Iterable<{ claimedBy: string | null; claimedAt: Date | null }>,
): Promise<Map<string, boolean>> {
  const alive = new Map<string, boolean>();
  for (const { claimedBy: by, claimedAt } of claims) {
    if (alive.has(by ?? '')) continue;
    alive.set(by ?? '', by ? workerProcess(by, claimedAt) === 'running' || (await isDispatcherAlive(db, by)) : false);
  }
  return alive;
}
