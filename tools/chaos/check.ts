import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestCode } from '@veza/invites-db';
import type { DatabaseState, Delivery, InviteRow } from './evidence.js';
import type { CommandRecord } from './run-command.js';
import { describeCommand } from './run-command.js';

/** A folder and its manifest's entries (null: no readable manifest). */
export interface FolderSnapshot {
  name: string;
  entries: { inviteId: string; file: string }[] | null;
}

export interface Round {
  commands: CommandRecord[];
  /** the folders as each command found them when it started */
  manifests: Map<CommandRecord, FolderSnapshot[]>;
  /** the database once every command of the round had ended */
  after: DatabaseState;
}

export interface Redemption {
  code: string;
  startedAt: number;
  endedAt: number;
  /** the API's answer; 0 when it gave none (killed) */
  status: number;
}

/** An invite the harness made expire while commands ran, and when. */
export interface Expiry {
  inviteId: string;
  at: number;
}

/** How long after its expiry an invitation may still arrive: one already with the mailer (SEND_CMD pauses up to 0.4 s). */
const IN_FLIGHT_MS = 2000;

export interface ScenarioEvidence {
  rounds: Round[];
  /** the operator's commands after the chaos: reruns, dispatches, a drain */
  settle: CommandRecord[];
  redemptions: Redemption[];
  expiries: Expiry[];
  /** whether the redemption-api was killed -9 (a welcome email in flight is then unknown) */
  apiKilled: boolean;
  final: DatabaseState;
  deliveries: Delivery[];
  folders: FolderSnapshot[];
  dir: string;
}

/** Anything shaped like a whole invite code, in any output. */
const CODE_SHAPE = /\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b/;

const isDone = (row: InviteRow | undefined) =>
  row !== undefined && (row.sent_at !== null || row.revoked_at !== null || row.used_at !== null);

function json<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** Whether an .eml is whole: it ends with its closing MIME boundary. */
function isWholeEml(path: string): boolean {
  const text = readFileSync(path, 'utf8').trimEnd();
  const last = text.slice(text.lastIndexOf('\n') + 1);
  return /^--\S+--$/.test(last);
}

/** The invariants of one scenario; each broken one is a line saying what, which command and which invite. */
export function checkScenario(evidence: ScenarioEvidence): string[] {
  const violations: string[] = [];
  const say = (record: CommandRecord | null, what: string) => violations.push(record ? `${describeCommand(record)}: ${what}` : what);
  const commands = [
    ...evidence.rounds.flatMap((round) => round.commands.map((command) => ({ command, round }))),
    ...evidence.settle.map((command) => ({ command, round: null })),
  ];
  const invitations = evidence.deliveries.filter((d) => d.inviteId !== null);

  for (const { command, round } of commands) {
    const after = round?.after ?? evidence.final;
    const rows = new Map(after.invites.map((row) => [row.id, row]));
    const output = command.stdout + command.stderr;
    if (command.hung) say(command, 'hung: killed at the harness deadline');
    if (command.code === 70 || /unexpected error|this is a bug/i.test(output))
      say(command, `a bug: exit ${command.code}: ${output.slice(-400)}`);
    if (CODE_SHAPE.test(output)) say(command, 'printed an invite code');
    if (command.code !== 0 && command.code !== null && output.trim() === '') say(command, `exit ${command.code} without a word`);
    if (command.code === 130 && !command.interruption?.delivered) say(command, 'exit 130 though nobody interrupted it');
    if (command.code !== 0) continue;

    // exit 0: everything asked was done
    const [group, verb] = command.args;
    const file = command.args[2];
    if (group === 'invites' && verb === 'dispatch') {
      const folder = (round?.manifests.get(command) ?? []).find((f) => f.name === file);
      for (const entry of folder?.entries ?? [])
        if (!isDone(rows.get(entry.inviteId)))
          say(command, `exit 0, but invite ${entry.inviteId} of its folder is neither sent, revoked nor redeemed`);
    }
    if (group === 'invites' && verb === 'send' && command.env['SEND'] === '1') {
      const emails = readFileSync(join(evidence.dir, file!), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[0]!);
      for (const email of emails)
        if (!after.invites.some((row) => row.email === email && isDone(row)))
          say(command, `exit 0, but ${email} of the file has no invite sent, revoked or redeemed`);
    }
    if (group === 'invites' && (verb === 'prepare' || verb === 'send')) {
      const result = json<{ created?: { inviteId: string }[]; prepared?: { created: { inviteId: string }[] } }>(command.stdout);
      const created = result?.created ?? result?.prepared?.created ?? [];
      const out = command.args[command.args.indexOf('--out') + 1]!;
      for (const { inviteId } of created) {
        if (!rows.has(inviteId)) say(command, `exit 0, but the invite ${inviteId} it created is not in the database`);
        if (!existsSync(join(evidence.dir, out, `${inviteId}.eml`)))
          say(command, `exit 0, but the invite ${inviteId} it created has no .eml in ${out}`);
      }
    }
    if (group === 'invites' && verb === 'revoke') {
      const ids = /^revoked \d+ invite\(s\): (.*)$/m.exec(command.stdout)?.[1]?.split(', ') ?? [];
      // an expired invite revoked while `invites cleanup` ran in the same round may be gone by the round's end: deleted, not unrevoked
      const cleaned = round?.commands.some((c) => c.args[0] === 'invites' && c.args[1] === 'cleanup') ?? false;
      for (const id of ids) if (!rows.get(id)?.revoked_at && !(cleaned && !rows.has(id))) say(command, `exit 0, but ${id} is not revoked`);
    }
    if (group === 'outbox' && verb === 'drain')
      for (const row of after.welcomes)
        if (row.sent_at === null && row.created_ms < command.startedAt)
          say(command, `exit 0, but the welcome email of ${row.email} (queued before it started) is not sent`);
  }

  // A revoke reported effective (not "sending") stops the invitation and the code.
  for (const { command, round } of commands) {
    if (command.args[1] !== 'revoke' || command.code !== 0) continue;
    const ids = /^revoked \d+ invite\(s\): (.*)$/m.exec(command.stdout)?.[1]?.split(', ') ?? [];
    const sending = new Set([...command.stdout.matchAll(/^ {2}sending (\S+):/gm)].map((m) => m[1]));
    const rows = round?.after.invites ?? evidence.final.invites;
    for (const id of ids) {
      if (sending.has(id)) continue;
      for (const d of invitations)
        if (d.inviteId === id && d.at > command.endedAt)
          say(command, `invite ${id} was emailed ${d.at - command.endedAt} ms after its revoke was reported effective`);
      const digest = rows.find((row) => row.id === id)?.code_digest;
      for (const r of evidence.redemptions)
        if (r.status === 200 && r.startedAt > command.endedAt && digestCode(r.code) === digest)
          say(command, `invite ${id} was redeemed after its revoke was reported effective`);
    }
  }

  for (const expiry of evidence.expiries)
    for (const d of invitations)
      if (d.inviteId === expiry.inviteId && d.at > expiry.at + IN_FLIGHT_MS)
        say(null, `invite ${expiry.inviteId} was emailed ${d.at - expiry.at} ms after it expired (its code no longer works)`);

  for (const r of evidence.redemptions) {
    const row = evidence.final.invites.find((i) => i.code_digest === digestCode(r.code));
    if (r.status >= 500) say(null, `POST /v1/invites/redeem answered ${r.status}`);
    if (r.status === 200 && !row?.used_at) say(null, `a redeem answered 200, but invite ${row?.id ?? '(gone)'} is not used`);
    if (r.status === 200 && row && !evidence.final.welcomes.some((w) => w.invite_id === row.id))
      say(null, `invite ${row.id} was redeemed with WELCOME_EMAIL=1 and no welcome email was queued`);
  }

  // Deliveries: one invitation per code and per invite, one welcome per person; "sent" means delivered.
  const byDigest = new Map<string, Delivery[]>();
  const byInvite = new Map<string, Set<string | null>>();
  for (const d of invitations) {
    byDigest.set(String(d.digest), [...(byDigest.get(String(d.digest)) ?? []), d]);
    byInvite.set(d.inviteId!, (byInvite.get(d.inviteId!) ?? new Set()).add(d.digest));
  }
  for (const [, list] of byDigest)
    if (list.length > 1) say(null, `one code was delivered ${list.length} times (invite ${list[0]!.inviteId}, to ${list[0]!.to})`);
  for (const [id, digests] of byInvite) if (digests.size > 1) say(null, `invite ${id} was delivered with ${digests.size} different codes`);
  const welcomes = new Map<string, number>();
  for (const d of evidence.deliveries) if (d.inviteId === null) welcomes.set(d.to, (welcomes.get(d.to) ?? 0) + 1);
  for (const [to, count] of welcomes) if (count > 1) say(null, `${to} got ${count} welcome emails`);

  // what the settling dispatches and drain said (its prepares list every row as skipped: that says nothing of sending)
  const settleOutput = evidence.settle
    .filter((c) => c.args[1] === 'dispatch' || c.args[1] === 'drain')
    .map((c) => c.stdout + c.stderr)
    .join('\n');
  for (const row of evidence.final.invites) {
    if (row.sent_at && !byDigest.has(row.code_digest))
      say(null, `invite ${row.id} (${row.email}) is recorded as sent, but its code was never delivered`);
    const live = !row.sent_at && !row.revoked_at && !row.used_at && !row.expired;
    if (live && !settleOutput.includes(row.email))
      say(null, `invite ${row.id} (${row.email}) is not sent, and no command of the settling run says so (lost)`);
  }
  for (const row of evidence.final.welcomes) {
    if (row.sent_at && !welcomes.has(row.email.toLowerCase()))
      say(null, `the welcome email of ${row.email} is recorded as sent, but was never delivered`);
    if (!row.sent_at && !settleOutput.includes(row.email))
      say(null, `the welcome email of ${row.email} is not sent, and the drain does not say so`);
  }

  // "unknown" only after a hard stop (kill -9, a second Ctrl-C, a death by signal) of a sender: a graceful one records what was in flight
  const hardStop = (verbs: string[]) =>
    evidence.rounds.some((round) =>
      round.commands.some(
        (c) =>
          verbs.includes(c.args[1]!) &&
          (c.signal !== null ||
            (c.interruption?.delivered && (c.interruption.kind === 'kill-9' || c.interruption.kind === 'ctrl-c-twice'))),
      ),
    );
  const unknownIn = (verb: string) =>
    evidence.settle.filter((c) => c.args[1] === verb).flatMap((c) => json<{ unknown?: unknown[] }>(c.stdout)?.unknown ?? []);
  if (!hardStop(['dispatch', 'send']) && unknownIn('dispatch').length > 0)
    say(
      null,
      `${unknownIn('dispatch').length} invitation(s) unknown, though no sender was killed: ${JSON.stringify(unknownIn('dispatch')).slice(0, 300)}`,
    );
  if (!evidence.apiKilled && !hardStop(['drain']) && unknownIn('drain').length > 0)
    say(null, `${unknownIn('drain').length} welcome email(s) unknown, though no sender was killed`);
  // After hard stops, unknown only what was with the mailer: at most --concurrency per stopped sender (its
  // claims taken ahead and never tried are given back by the next dispatch of its folder, from dispatch.log's
  // 'sending' lines; the settling run may meet such a claim first in another folder of the same invite, after
  // a reissue, and report it unknown there before its own folder gives it back, or records it as sent from the
  // 'sent' line the stopped run wrote there: not counted; what counts is what is still unknown in the end)
  const hardStopped = evidence.rounds.flatMap((round) =>
    round.commands.filter(
      (c) =>
        (c.args[1] === 'dispatch' || c.args[1] === 'send') &&
        (c.signal !== null || (c.interruption?.delivered && (c.interruption.kind === 'kill-9' || c.interruption.kind === 'ctrl-c-twice'))),
    ),
  );
  const inFlightBound = hardStopped.reduce((sum, c) => {
    const at = c.args.indexOf('--concurrency');
    return sum + (at >= 0 ? Number(c.args[at + 1]) : 1);
  }, 0);
  const givenBack = new Set(
    evidence.settle
      .filter((c) => c.args[1] === 'dispatch')
      .flatMap((c) => json<{ givenBackFromLog?: { inviteId: string }[] }>(c.stdout)?.givenBackFromLog ?? [])
      .map((g) => g.inviteId),
  );
  const sentInTheEnd = new Set(evidence.final.invites.filter((row) => row.sent_at).map((row) => row.id));
  const unknownIds = new Set(
    unknownIn('dispatch')
      .map((u) => (u as { inviteId?: string }).inviteId)
      .filter((id): id is string => id !== undefined && !givenBack.has(id) && !sentInTheEnd.has(id)),
  );
  if (unknownIds.size > inFlightBound)
    say(
      null,
      `${unknownIds.size} invitation(s) unknown, more than the ${inFlightBound} the ${hardStopped.length} hard-stopped sender(s) can have had with the mailer: ${[...unknownIds].slice(0, 8).join(', ')}`,
    );

  // Nothing half-written in the folders.
  for (const folder of evidence.folders) {
    const path = join(evidence.dir, folder.name);
    if (existsSync(path) && readdirSync(path).some((name) => name === 'manifest.json') && folder.entries === null)
      say(null, `${folder.name}/manifest.json cannot be read`);
    for (const entry of folder.entries ?? []) {
      const file = join(path, entry.file);
      if (!existsSync(file)) say(null, `${folder.name}/manifest.json lists ${entry.file}, which is not there`);
      else if (!isWholeEml(file)) say(null, `${folder.name}/${entry.file} is cut short`);
    }
    for (const name of existsSync(path) ? readdirSync(path) : [])
      if (name.endsWith('.tmp')) say(null, `${folder.name}/${name}: a draft left behind`);
  }
  return violations;
}
