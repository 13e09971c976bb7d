-- 990_beta_invites.sql: one row per beta invitation (soft-launch 2026).
--
-- The seed's meaning, plus created_at, sent_at, revoked_at, used_by and the
-- dispatch claim columns. The code itself is never stored: code_digest is the
-- SHA-256 (hex) of the normalised 16-character Crockford base32 code.
--
-- Safe on Veza's main database: every statement is IF NOT EXISTS, and the
-- minimal users table below is only created where none exists (Veza's own
-- users table, with UUID ids, is left untouched).

CREATE TABLE IF NOT EXISTS users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS beta_invites (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code_digest     text NOT NULL CONSTRAINT beta_invites_code_digest_check CHECK (code_digest ~ '^[0-9a-f]{64}$'),
  email           text NOT NULL CONSTRAINT beta_invites_email_check CHECK (char_length(email) BETWEEN 3 AND 254),
  cohort          text NOT NULL CONSTRAINT beta_invites_cohort_check CHECK (char_length(cohort) BETWEEN 1 AND 64),
  name            text CONSTRAINT beta_invites_name_check CHECK (char_length(name) <= 200),
  role            text CONSTRAINT beta_invites_role_check CHECK (role IN ('creator', 'listener')),
  sent_by         uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL DEFAULT (now() + '30 days'::interval),
  -- dispatch confirmed by the transport
  sent_at         timestamptz,
  used_at         timestamptz,
  -- the user who redeemed it; no foreign key, the signup creates the user around the redeem
  used_by         uuid,
  revoked_at      timestamptz,
  -- a dispatcher's claim: set before the send, cleared on failure; set with no
  -- sent_at after a crash means the outcome of that send is unknown
  send_claimed_at timestamptz,
  send_claimed_by text,
  send_attempts   integer NOT NULL DEFAULT 0,
  last_send_error text
);

-- signup-path lookup
CREATE UNIQUE INDEX IF NOT EXISTS beta_invites_code_digest_key ON beta_invites (code_digest);
-- post-launch attribution report
CREATE INDEX IF NOT EXISTS beta_invites_cohort_idx ON beta_invites (cohort);
-- cleanup job
CREATE INDEX IF NOT EXISTS beta_invites_expires_unused_idx ON beta_invites (expires_at) WHERE used_at IS NULL;
-- one live invite per email, case-insensitive: rerunning a cohort creates nothing twice
CREATE UNIQUE INDEX IF NOT EXISTS beta_invites_open_email_key ON beta_invites (lower(email)) WHERE revoked_at IS NULL;
