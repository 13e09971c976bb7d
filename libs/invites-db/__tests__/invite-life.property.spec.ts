import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { fuzzOptions } from '@veza/test-support';
import {
  claimInvitesForSend,
  claimWelcomeEmail,
  cleanupExpiredInvites,
  createInvites,
  dispatchStep,
  formatCode,
  generateCode,
  inviteReport,
  leftOutAddresses,
  listWelcomeOutbox,
  lookupInvite,
  markInviteSent,
  markWelcomeSent,
  redeemInvite,
  releaseSendClaim,
  releaseWelcomeClaim,
  revokeInvites,
  sendStates,
  setInviteExpiry,
} from '../src/index.js';
import type { Connection, InviteReport, RevokeResult } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { rows } from './query-rows.js';

// The invite's whole life as a state machine (fc.commands): create, look up, redeem (once, twice at once),
// revoke (by code, by address), expire, clean up, claim and send, the welcome outbox, the report and the
// left-out addresses, each compared after every step with a small model written from the docs
// (DESIGN.md "Data", this package's README, docs/OPERATOR_GUIDE.md §4, §6 and §9), and with the rows in
// the database. A fixed seed and few runs here; tools/fuzz/run.sh runs it longer with random seeds.

const ADDRESSES = ['ana@example.org', 'bo@example.org', 'cy@example.org'];
const COHORTS = ['fans', 'creators-2026'];
const WORKERS = ['worker-a', 'worker-b'];

/** The same address as a person may type it: lowercase, uppercase, capitalised with an upper-case domain. */
function variant(address: string, v: number): string {
  const [local, domain] = address.split('@') as [string, string];
  if (v === 1) return address.toUpperCase();
  if (v === 2) return `${local[0]!.toUpperCase()}${local.slice(1)}@${domain.toUpperCase()}`;
  return address;
}

/** A code as a person may type it: raw, grouped, lowercase, with spaces for hyphens. */
function typed(code: string, v: number): string {
  if (v === 1) return formatCode(code);
  if (v === 2) return formatCode(code).toLowerCase();
  if (v === 3) return formatCode(code).replaceAll('-', ' ');
  return code;
}

interface MInvite {
  id: string;
  seq: number;
  key: string;
  cohort: string;
  code: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  sent: boolean;
  claimedBy: string | null;
  attempts: number;
  deleted: boolean;
  /** emails that may have reached the person (sent, or a send whose outcome is unknown) */
  deliveries: number;
}

interface MWelcome {
  /** the outbox row's id, known once a sender claimed it */
  id?: string;
  inviteId: string;
  sent: boolean;
  claimedBy: string | null;
  attempts: number;
  deliveries: number;
}

interface Model {
  invites: MInvite[];
  /** addresses a cleanup kept as left out (beta_invite_left_out), not invited since */
  kept: Set<string>;
  welcome: MWelcome[];
  /** per worker, the invites it claimed and has not tried yet */
  claims: Map<string, string[]>;
  /** per worker, the welcome email it holds */
  welcomeClaims: Map<string, string>;
}

interface Real {
  conn: Connection;
}

const present = (m: Model) => m.invites.filter((i) => !i.deleted);
const live = (m: Model, key: string) => present(m).find((i) => i.key === key && !i.revoked);

/** The state the README's table and DESIGN.md name for a code: revoked, used, expired, valid; unknown once deleted. */
function stateOf(invite: MInvite | undefined): 'valid' | 'unknown' | 'used' | 'expired' | 'revoked' {
  if (!invite || invite.deleted) return 'unknown';
  if (invite.revoked) return 'revoked';
  if (invite.used) return 'used';
  if (invite.expired) return 'expired';
  return 'valid';
}

/** Picks a model invite by a drawn index, or none (a code no invite has) when there are none or the draw says so. */
function pick(m: Model, n: number): MInvite | undefined {
  return n < 0 || m.invites.length === 0 ? undefined : m.invites[n % m.invites.length];
}

/** The funnel as OPERATOR_GUIDE.md §9 and the README's inviteReport row describe it: people, by their current invite. */
function modelReport(m: Model): InviteReport {
  const byKey = new Map<string, MInvite[]>();
  for (const invite of present(m)) byKey.set(invite.key, [...(byKey.get(invite.key) ?? []), invite]);
  const rowsBy = new Map<string, { invited: number; sent: number; redeemed: number; expired: number; revoked: number }>();
  for (const invites of byKey.values()) {
    const current = invites.find((i) => !i.revoked) ?? invites.reduce((a, b) => (b.seq > a.seq ? b : a));
    const row = rowsBy.get(current.cohort) ?? { invited: 0, sent: 0, redeemed: 0, expired: 0, revoked: 0 };
    row.invited += 1;
    const tried = current.claimedBy !== null || current.attempts > 0;
    if (current.sent || (current.used && tried)) row.sent += 1;
    if (current.used) row.redeemed += 1;
    if (!current.used && !current.revoked && current.expired) row.expired += 1;
    if (current.revoked) row.revoked += 1;
    rowsBy.set(current.cohort, row);
  }
  const withRate = (cohort: string, r: { invited: number; sent: number; redeemed: number; expired: number; revoked: number }) => ({
    cohort,
    ...r,
    redemptionRate: r.invited - r.revoked > 0 ? r.redeemed / (r.invited - r.revoked) : 0,
  });
  const cohorts = [...rowsBy].map(([cohort, r]) => withRate(cohort, r)).sort((a, b) => a.cohort.localeCompare(b.cohort));
  const sum = (k: 'invited' | 'sent' | 'redeemed' | 'expired' | 'revoked') => cohorts.reduce((n, r) => n + r[k], 0);
  return {
    cohorts,
    total: withRate('total', {
      invited: sum('invited'),
      sent: sum('sent'),
      redeemed: sum('redeemed'),
      expired: sum('expired'),
      revoked: sum('revoked'),
    }),
  };
}

/** The send state the README's SendState names, from the model. */
function sendStateOf(invite: MInvite): string {
  if (invite.deleted) return 'missing';
  if (invite.sent) return 'sent';
  if (invite.revoked) return 'revoked';
  if (invite.used) return 'used';
  if (invite.claimedBy) return 'claimed';
  if (invite.expired) return 'expired';
  return 'ready';
}

interface DbInvite {
  id: string;
  email: string;
  used: boolean;
  revoked: boolean;
  expired: boolean;
  sent: boolean;
  claimed_by: string | null;
  attempts: number;
}

/** After every command: the rows of the database are the model's, and the invariants hold in both. */
async function checkDatabase(m: Model, r: Real): Promise<void> {
  const db = await rows<DbInvite>(
    r.conn,
    sql`SELECT id::text AS id, lower(email) AS email, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked,
               expires_at <= now() AS expired, sent_at IS NOT NULL AS sent, send_claimed_by AS claimed_by, send_attempts::int AS attempts
        FROM beta_invites ORDER BY id`,
  );
  const expected = present(m)
    .map((i) => ({
      id: i.id,
      email: i.key,
      used: i.used,
      revoked: i.revoked,
      expired: i.expired,
      sent: i.sent,
      claimed_by: i.claimedBy,
      attempts: i.attempts,
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  expect(db.map((row) => ({ ...row, attempts: Number(row.attempts) }))).toEqual(expected);
  // invariants, on the database's own rows: one live invite per address, never used and revoked both
  const liveKeys = db.filter((row) => !row.revoked).map((row) => row.email);
  expect(new Set(liveKeys).size).toBe(liveKeys.length);
  expect(db.filter((row) => row.used && row.revoked)).toEqual([]);
  // nothing reached a person twice
  expect(m.invites.filter((i) => i.deliveries > 1)).toEqual([]);
  expect(m.welcome.filter((w) => w.deliveries > 1)).toEqual([]);
  const outbox = await listWelcomeOutbox(r.conn.db);
  expect(outbox.map((w) => ({ inviteId: w.inviteId, sent: w.sentAt !== null, claimedBy: w.claimedBy, attempts: w.attempts }))).toEqual(
    m.welcome.map((w) => ({ inviteId: w.inviteId, sent: w.sent, claimedBy: w.claimedBy, attempts: w.attempts })),
  );
  const [kept] = await rows<{ n: number }>(r.conn, sql`SELECT count(*)::int AS n FROM beta_invite_left_out`);
  expect(Number(kept!.n)).toBe(m.kept.size);
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Create implements Cmd {
  constructor(readonly batch: { address: number; v: number; cohort: string }[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const input = this.batch.map((b) => ({ email: variant(ADDRESSES[b.address]!, b.v), cohort: b.cohort }));
    const outcomes = await createInvites(r.conn.db, input);
    for (const [index, row] of input.entries()) {
      const key = row.email.toLowerCase();
      const existing = live(m, key);
      const outcome = outcomes[index]!;
      const first = input.findIndex((x) => x.email.toLowerCase() === key);
      if (first < index) {
        // a repeat within the call names the earlier row, not an invite (README, createInvites)
        expect(outcome).toMatchObject({ status: 'skipped', reason: `same email as row ${first + 1} of this batch` });
        expect(outcome).not.toHaveProperty('existingId');
        continue;
      }
      if (existing) {
        expect({ status: outcome.status, existingId: outcome.status === 'skipped' ? outcome.existingId : undefined }).toEqual({
          status: 'skipped',
          existingId: existing.id,
        });
        continue;
      }
      if (outcome.status !== 'created') throw new Error(`row ${index}: expected created, got ${JSON.stringify(outcome)}`);
      expect(outcome.email).toBe(row.email);
      // invited since: the record of a cleanup no longer leaves the address out (README, leftOutAddresses and forgetLeftOut)
      m.kept.delete(key);
      m.invites.push({
        id: outcome.id,
        seq: m.invites.length,
        key,
        cohort: row.cohort,
        code: outcome.code,
        used: false,
        revoked: false,
        expired: false,
        sent: false,
        claimedBy: null,
        attempts: 0,
        deleted: false,
        deliveries: 0,
      });
    }
    await checkDatabase(m, r);
  }
  toString = () => `create(${this.batch.map((b) => `${variant(ADDRESSES[b.address]!, b.v)}/${b.cohort}`).join(', ')})`;
}

class Lookup implements Cmd {
  constructor(
    readonly target: number,
    readonly v: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const invite = pick(m, this.target);
    const found = await lookupInvite(r.conn.db, typed(invite?.code ?? generateCode(), this.v));
    expect({ state: found.state, id: 'invite' in found ? found.invite.id : undefined }).toEqual({
      state: stateOf(invite),
      id: stateOf(invite) === 'unknown' ? undefined : invite!.id,
    });
  }
  toString = () => `lookup(#${this.target}, form ${this.v})`;
}

class Redeem implements Cmd {
  constructor(
    readonly target: number,
    readonly times: number,
    readonly welcome: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const invite = pick(m, this.target);
    const code = invite?.code ?? generateCode();
    const before = stateOf(invite);
    // `times` redeems at once: DESIGN.md, "two concurrent redeems of one code give exactly one success"
    const results = await Promise.all(
      Array.from({ length: this.times }, (_, k) => redeemInvite(r.conn.db, typed(code, k), null, { queueWelcome: this.welcome })),
    );
    const ok = results.filter((x) => x.ok);
    expect(ok).toHaveLength(before === 'valid' ? 1 : 0);
    for (const x of results) if (!x.ok) expect(x.state).toBe(before === 'valid' ? 'used' : before);
    if (before === 'valid') {
      invite!.used = true;
      if (this.welcome) m.welcome.push({ inviteId: invite!.id, sent: false, claimedBy: null, attempts: 0, deliveries: 0 });
    }
    await checkDatabase(m, r);
  }
  toString = () => `redeem(#${this.target} ×${this.times}${this.welcome ? ', welcome' : ''})`;
}

/** RevokeResult as the README and OPERATOR_GUIDE.md §9 describe it, for the invites a revoke matches. */
function expectedRevoke(matched: MInvite[]): RevokeResult {
  const result: RevokeResult = { revoked: [], untouched: [], sending: [], sent: [] };
  for (const i of matched) {
    if (i.used) result.untouched.push({ id: i.id, reason: 'already used' });
    else if (i.revoked) {
      const email = i.sent ? 'sent' : i.claimedBy ? 'being sent' : undefined;
      result.untouched.push(email ? { id: i.id, reason: 'already revoked', email } : { id: i.id, reason: 'already revoked' });
    } else {
      result.revoked.push(i.id);
      if (i.sent) result.sent.push(i.id);
      else if (i.claimedBy) result.sending.push(i.id);
    }
  }
  return result;
}

const sortedRevoke = (x: RevokeResult) => ({
  revoked: [...x.revoked].sort(),
  untouched: [...x.untouched].sort((a, b) => (a.id < b.id ? -1 : 1)),
  sending: [...x.sending].sort(),
  sent: [...x.sent].sort(),
});

class RevokeEmail implements Cmd {
  constructor(
    readonly address: number,
    readonly v: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const email = variant(ADDRESSES[this.address]!, this.v);
    const matched = present(m).filter((i) => i.key === email.toLowerCase());
    const want = expectedRevoke(matched);
    const got = await revokeInvites(r.conn.db, { email });
    expect(sortedRevoke(got)).toEqual(sortedRevoke(want));
    for (const i of matched) if (want.revoked.includes(i.id)) i.revoked = true;
    await checkDatabase(m, r);
  }
  toString = () => `revoke(${variant(ADDRESSES[this.address]!, this.v)})`;
}

class RevokeCode implements Cmd {
  constructor(
    readonly target: number,
    readonly v: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const invite = pick(m, this.target);
    const matched = invite && !invite.deleted ? [invite] : [];
    const want = expectedRevoke(matched);
    const got = await revokeInvites(r.conn.db, { code: typed(invite?.code ?? generateCode(), this.v) });
    expect(sortedRevoke(got)).toEqual(sortedRevoke(want));
    if (want.revoked.length > 0) invite!.revoked = true;
    await checkDatabase(m, r);
  }
  toString = () => `revoke(code #${this.target})`;
}

class Expire implements Cmd {
  constructor(readonly target: number) {}
  check = (m: Readonly<Model>) => present(m).length > 0;
  async run(m: Model, r: Real) {
    const all = present(m);
    const invite = all[this.target % all.length]!;
    await setInviteExpiry(r.conn.db, invite.id, new Date(Date.now() - 3_600_000));
    invite.expired = true;
    await checkDatabase(m, r);
  }
  toString = () => `expire(present #${this.target})`;
}

class Cleanup implements Cmd {
  constructor(readonly dryRun: boolean) {}
  check = () => true;
  async run(m: Model, r: Real) {
    // "Delete expired, unused invites" (revoked or not), and keep as left out "the addresses left with no live invite whose
    // revoked invites it deleted" (README)
    const doomed = present(m).filter((i) => !i.used && i.expired);
    const keys = new Set(doomed.map((i) => i.key));
    // "the addresses left with no live invite whose revoked invites it deleted" (README)
    const keptNow = [...keys].filter((key) => doomed.some((i) => i.key === key && i.revoked) && !live(m, key));
    const byCohort = new Map<string, number>();
    for (const i of doomed) byCohort.set(i.cohort, (byCohort.get(i.cohort) ?? 0) + 1);
    const got = await cleanupExpiredInvites(r.conn.db, { dryRun: this.dryRun });
    expect({ ...got, byCohort: [...got.byCohort].sort((a, b) => a.cohort.localeCompare(b.cohort)) }).toEqual({
      dryRun: this.dryRun,
      count: doomed.length,
      byCohort: [...byCohort].map(([cohort, count]) => ({ cohort, count })).sort((a, b) => a.cohort.localeCompare(b.cohort)),
      leftOut: keptNow.length,
      sending: doomed.filter((i) => i.claimedBy && !i.sent).length,
    });
    if (!this.dryRun) {
      for (const i of doomed) i.deleted = true;
      for (const key of keptNow) m.kept.add(key);
    }
    await checkDatabase(m, r);
  }
  toString = () => `cleanup(${this.dryRun ? 'dry run' : 'for real'})`;
}

class LeftOut implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    // "those revoked-only or kept by a cleanup, and not invited since"
    const want = ADDRESSES.filter((key) => {
      const invites = present(m).filter((i) => i.key === key);
      const revokedOnly = invites.length > 0 && invites.every((i) => i.revoked);
      return revokedOnly || m.kept.has(key);
    });
    const got = await leftOutAddresses(
      r.conn.db,
      ADDRESSES.map((a, k) => variant(a, k)),
    );
    expect([...got.keys()].sort()).toEqual(want.sort());
  }
  toString = () => 'leftOutAddresses()';
}

class Claim implements Cmd {
  constructor(
    readonly targets: number[],
    readonly limit: number,
    readonly concurrent: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.invites.length > 0;
  async run(m: Model, r: Real) {
    const ids = [...new Set(this.targets.map((t) => m.invites[t % m.invites.length]!.id))];
    const claimable = ids.map((id) => m.invites.find((i) => i.id === id)!).filter((i) => stateOf(i) === 'valid' && !i.sent && !i.claimedBy);
    const workers = this.concurrent ? WORKERS : [WORKERS[0]!];
    const got = await Promise.all(workers.map((worker) => claimInvitesForSend(r.conn.db, ids, worker, this.limit)));
    if (!this.concurrent) expect(got[0]).toEqual(claimable.slice(0, this.limit).map((i) => i.id));
    // two at once: never the same invite twice, each only what was claimable, in the order given
    const all = got.flat();
    expect(new Set(all).size).toBe(all.length);
    for (const [k, claimed] of got.entries()) {
      expect(claimed.length).toBeLessThanOrEqual(this.limit);
      expect(claimed).toEqual(ids.filter((id) => claimed.includes(id)));
      for (const id of claimed) {
        const invite = claimable.find((i) => i.id === id);
        expect(invite).toBeDefined();
        invite!.claimedBy = workers[k]!;
        m.claims.set(workers[k]!, [...(m.claims.get(workers[k]!) ?? []), id]);
      }
    }
    await checkDatabase(m, r);
  }
  toString = () =>
    `claim(${this.targets.map((t) => `#${t}`).join(' ')}, limit ${this.limit}${this.concurrent ? ', two workers at once' : ''})`;
}

type Outcome = 'sent' | 'failed' | 'crash';

class Send implements Cmd {
  constructor(
    readonly worker: number,
    readonly outcomes: Outcome[],
  ) {}
  check = (m: Readonly<Model>) => (m.claims.get(WORKERS[this.worker]!) ?? []).length > 0;
  async run(m: Model, r: Real) {
    const worker = WORKERS[this.worker]!;
    const held = m.claims.get(worker)!;
    // the dispatcher rechecks its claims ahead before it sends: those revoked, redeemed, expired or deleted since are dropped
    const stale = held.filter((id) => stateOf(m.invites.find((i) => i.id === id)) !== 'valid');
    const step = await dispatchStep(r.conn.db, { sentIds: [], claimIds: [], recheckIds: held, worker, limit: 0 });
    expect(step.dropped.map((d) => d.id).sort()).toEqual([...stale].sort());
    for (const id of stale) {
      const invite = m.invites.find((i) => i.id === id)!;
      invite.claimedBy = null; // given back (or gone with its row)
    }
    for (const [k, id] of held.filter((x) => !stale.includes(x)).entries()) {
      const invite = m.invites.find((i) => i.id === id)!;
      const outcome = this.outcomes[k % this.outcomes.length]!;
      if (outcome === 'sent') {
        invite.deliveries += 1;
        await markInviteSent(r.conn.db, id);
        invite.sent = true; // the claim stays beside sent_at; a send tried counts as an attempt, as a failed one does
        invite.attempts += 1;
      } else if (outcome === 'failed') {
        await releaseSendClaim(r.conn.db, id, '550 mailbox unavailable');
        invite.claimedBy = null;
        invite.attempts += 1;
      } else {
        invite.deliveries += 1; // a crash mid-send: the claim stays, its outcome unknown
      }
    }
    m.claims.set(worker, []);
    const states = await sendStates(
      r.conn.db,
      m.invites.map((i) => i.id),
    );
    expect(states.map((s) => [s.state, s.attempts])).toEqual(m.invites.map((i) => [sendStateOf(i), i.deleted ? 0 : i.attempts]));
    await checkDatabase(m, r);
  }
  toString = () => `send(${WORKERS[this.worker]}: ${this.outcomes.join(', ')})`;
}

type WelcomeOutcome = 'sent' | 'refused' | 'temporary' | 'crash';

class WelcomeClaim implements Cmd {
  constructor(
    readonly worker: number,
    readonly maxAttempts: number,
  ) {}
  check = (m: Readonly<Model>) => !m.welcomeClaims.has(WORKERS[this.worker]!);
  async run(m: Model, r: Real) {
    const worker = WORKERS[this.worker]!;
    const next = m.welcome.find((w) => !w.sent && !w.claimedBy && w.attempts < this.maxAttempts);
    const got = await claimWelcomeEmail(r.conn.db, worker, { maxAttempts: this.maxAttempts });
    expect(got?.inviteId).toBe(next?.inviteId);
    if (next) {
      next.claimedBy = worker;
      next.id = got!.id;
      m.welcomeClaims.set(worker, got!.id);
    }
    await checkDatabase(m, r);
  }
  toString = () => `claimWelcome(${WORKERS[this.worker]}, max ${this.maxAttempts})`;
}

class WelcomeSend implements Cmd {
  constructor(
    readonly worker: number,
    readonly outcome: WelcomeOutcome,
  ) {}
  check = (m: Readonly<Model>) => m.welcomeClaims.has(WORKERS[this.worker]!);
  async run(m: Model, r: Real) {
    const worker = WORKERS[this.worker]!;
    const outboxId = m.welcomeClaims.get(worker)!;
    const w = m.welcome.find((x) => x.id === outboxId)!;
    if (this.outcome === 'sent') {
      w.deliveries += 1;
      await markWelcomeSent(r.conn.db, outboxId);
      w.sent = true; // as for invites: the claim stays beside sent_at, and the send counts as an attempt
      w.attempts += 1;
    } else if (this.outcome === 'refused' || this.outcome === 'temporary') {
      await releaseWelcomeClaim(r.conn.db, outboxId, '550 refused', { temporary: this.outcome === 'temporary', claimedBy: worker });
      w.claimedBy = null;
      if (this.outcome === 'refused') w.attempts += 1;
    } else w.deliveries += 1;
    m.welcomeClaims.delete(worker);
    await checkDatabase(m, r);
  }
  toString = () => `sendWelcome(${WORKERS[this.worker]}: ${this.outcome})`;
}

class Report implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    const got = await inviteReport(r.conn.db);
    const want = modelReport(m);
    expect({ ...got, cohorts: [...got.cohorts].sort((a, b) => a.cohort.localeCompare(b.cohort)) }).toEqual(want);
    // the rows add up to the total
    for (const k of ['invited', 'sent', 'redeemed', 'expired', 'revoked'] as const)
      expect(got.cohorts.reduce((n, row) => n + row[k], 0)).toBe(got.total[k]);
  }
  toString = () => 'report()';
}

const index = fc.nat({ max: 11 });
/** The first address most often (fast-check draws the first constants more): one person's whole life, and others beside. */
const address = fc.constantFrom(0, 1, 2);
const create = fc
  .array(fc.record({ address, v: fc.nat({ max: 2 }), cohort: fc.constantFrom(...COHORTS) }), { minLength: 1, maxLength: 3 })
  .map((batch) => new Create(batch));
const revokeEmail = fc.tuple(address, fc.nat({ max: 2 })).map(([a, v]) => new RevokeEmail(a, v));
const expire = index.map((t) => new Expire(t));
const cleanup = fc.boolean().map((dry) => new Cleanup(dry));
// the commands that move an invite through its life are listed twice: drawn twice as often as those that only look
const commands = fc.commands(
  [
    create,
    create,
    revokeEmail,
    revokeEmail,
    expire,
    expire,
    cleanup,
    cleanup,
    fc.tuple(fc.integer({ min: -1, max: 11 }), fc.nat({ max: 3 })).map(([t, v]) => new Lookup(t, v)),
    fc.tuple(fc.integer({ min: -1, max: 11 }), fc.constantFrom(1, 2), fc.boolean()).map(([t, n, w]) => new Redeem(t, n, w)),
    fc.tuple(fc.integer({ min: -1, max: 11 }), fc.nat({ max: 3 })).map(([t, v]) => new RevokeCode(t, v)),
    fc.constant(new LeftOut()),
    fc
      .tuple(fc.array(index, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), fc.boolean())
      .map(([t, l, c]) => new Claim(t, l, c)),
    fc
      .tuple(fc.nat({ max: 1 }), fc.array(fc.constantFrom<Outcome>('sent', 'failed', 'crash'), { minLength: 1, maxLength: 3 }))
      .map(([w, o]) => new Send(w, o)),
    fc.tuple(fc.nat({ max: 1 }), fc.integer({ min: 1, max: 3 })).map(([w, max]) => new WelcomeClaim(w, max)),
    fc
      .tuple(fc.nat({ max: 1 }), fc.constantFrom<WelcomeOutcome>('sent', 'refused', 'temporary', 'crash'))
      .map(([w, o]) => new WelcomeSend(w, o)),
    fc.constant(new Report()),
  ],
  { maxCommands: 30 },
);

describe.each(testBackends())('the invite life against its model on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend, { maxConnections: 4 });
  }, 120_000);
  afterAll(() => conn?.close());

  it('every command answers as the model says, and the rows stay the model’s', async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        await conn.db.execute(sql`TRUNCATE welcome_outbox, beta_invite_left_out, beta_invites`);
        const setup = () => ({
          model: { invites: [], kept: new Set(), welcome: [], claims: new Map(), welcomeClaims: new Map() } as Model,
          real: { conn },
        });
        await fc.asyncModelRun(setup, cmds);
      }),
      fuzzOptions(20261202, 40),
    );
  }, 120_000);
});
