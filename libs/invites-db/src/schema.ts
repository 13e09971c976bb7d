import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The drizzle view of migrations/990_beta_invites.sql (and 999_digest_check.sql). The SQL file is the
 * source of truth; a test migrates a real database and compares it with these
 * definitions so that the two never drift.
 */

/** The minimal users table a standalone database needs for the sent_by key (Veza's own has more columns). */
export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const betaInvites = pgTable(
  'beta_invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    codeDigest: text('code_digest').notNull(),
    email: text('email').notNull(),
    cohort: text('cohort').notNull(),
    name: text('name'),
    role: text('role'),
    sentBy: uuid('sent_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true })
      .notNull()
      .default(sql`(now() + '30 days'::interval)`),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedBy: uuid('used_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    sendClaimedAt: timestamp('send_claimed_at', { withTimezone: true }),
    sendClaimedBy: text('send_claimed_by'),
    sendAttempts: integer('send_attempts').notNull().default(0),
    lastSendError: text('last_send_error'),
  },
  (t) => [
    uniqueIndex('beta_invites_code_digest_key').on(t.codeDigest),
    index('beta_invites_cohort_idx').on(t.cohort),
    index('beta_invites_expires_unused_idx')
      .on(t.expiresAt)
      .where(sql`used_at IS NULL`),
    // 990's, kept for older veza-beta versions (their ON CONFLICT names it)
    uniqueIndex('beta_invites_open_email_key')
      .on(sql`lower(email)`)
      .where(sql`revoked_at IS NULL`),
    // 1003's, the one this version matches on: A to Z lowercased under any collation (a Turkish one lowercases I as ı)
    uniqueIndex('beta_invites_open_email_ascii_key')
      .on(sql`lower(email COLLATE "C")`)
      .where(sql`revoked_at IS NULL`),
    // as 999_digest_check.sql writes it (990's `~ '^[0-9a-f]{64}$'`, the same rule, cost ten times as much)
    check('beta_invites_code_digest_check', sql`octet_length(code_digest) = 64 AND code_digest ~ '^[0-9a-f]+$'`),
    check('beta_invites_email_check', sql`char_length(email) BETWEEN 3 AND 254`),
    check('beta_invites_cohort_check', sql`char_length(cohort) BETWEEN 1 AND 64`),
    check('beta_invites_name_check', sql`char_length(name) <= 200`),
    check('beta_invites_role_check', sql`role IN ('creator', 'listener')`),
  ],
);

export const migrationsTable = pgTable('veza_beta_migrations', {
  name: text('name').primaryKey(),
  checksum: text('checksum').notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
});

export type InviteRow = typeof betaInvites.$inferSelect;

/**
 * The drizzle view of migrations/991_gate_runs.sql: one row per gate run of
 * the monitor, the whole run and the escalation state as JSON.
 */
export const gateRuns = pgTable(
  'gate_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull(),
    verdict: text('verdict').notNull(),
    exitCode: integer('exit_code').notNull(),
    run: jsonb('run').notNull(),
    escalationState: jsonb('escalation_state').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('gate_runs_started_at_idx').on(t.startedAt),
    check('gate_runs_verdict_check', sql`verdict IN ('GO', 'NO-GO', 'INCONCLUSIVE')`),
    check('gate_runs_exit_code_check', sql`exit_code IN (0, 1, 2)`),
  ],
);

export type GateRunRow = typeof gateRuns.$inferSelect;

/** The drizzle view of migrations/998_gate_announcements.sql: the verdict changes posted by the monitors, newest last. */
export const gateAnnouncements = pgTable(
  'gate_announcements',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    verdict: text('verdict').notNull(),
    announcedBy: text('announced_by').notNull(),
    announcedAt: timestamp('announced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [check('gate_announcements_verdict_check', sql`verdict IN ('GO', 'NO-GO', 'INCONCLUSIVE')`)],
);

/** The drizzle view of migrations/992_api_rate_limits.sql: the redemption-api's shared rate-limit counters. */
export const apiRateLimits = pgTable(
  'api_rate_limits',
  {
    bucket: text('bucket').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.windowStart] }), check('api_rate_limits_hits_check', sql`hits >= 0`)],
);

/**
 * The drizzle view of migrations/997_left_out.sql: the addresses (their
 * SHA-256 digest only) whose revoked invites `invites cleanup` deleted, so
 * that prepare still leaves them out.
 */
export const betaInviteLeftOut = pgTable(
  'beta_invite_left_out',
  {
    emailDigest: text('email_digest').primaryKey(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  () => [check('beta_invite_left_out_digest_check', sql`email_digest ~ '^[0-9a-f]{64}$'`)],
);

/** The drizzle view of migrations/994_welcome_outbox.sql: welcome emails waiting to be sent. */
export const welcomeOutbox = pgTable(
  'welcome_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    inviteId: uuid('invite_id')
      .notNull()
      .references(() => betaInvites.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    claimedBy: text('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('welcome_outbox_invite_key').on(t.inviteId),
    index('welcome_outbox_unsent_idx')
      .on(t.createdAt)
      .where(sql`sent_at IS NULL`),
    check('welcome_outbox_email_check', sql`char_length(email) BETWEEN 3 AND 254`),
    check('welcome_outbox_name_check', sql`char_length(name) <= 200`),
  ],
);

/** The drizzle view of migrations/995_decisions.sql: the GO / NO-GO of the decision call. */
export const decisions = pgTable(
  'decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    decision: text('decision').notNull(),
    note: text('note'),
    decidedBy: text('decided_by')
      .array()
      .notNull()
      .default(sql`'{}'`),
    gateRunId: bigint('gate_run_id', { mode: 'number' }).references(() => gateRuns.id, { onDelete: 'set null' }),
    gateVerdict: text('gate_verdict'),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('decisions_decided_at_idx').on(t.decidedAt),
    check('decisions_decision_check', sql`decision IN ('GO', 'NO-GO')`),
    check('decisions_note_check', sql`char_length(note) <= 4000`),
    check('decisions_no_go_note_check', sql`decision = 'GO' OR char_length(btrim(coalesce(note, ''))) > 0`),
  ],
);
