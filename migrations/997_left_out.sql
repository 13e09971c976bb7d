-- 997_left_out.sql: the addresses that asked to be left out, kept after `invites cleanup`.
--
-- A person who asks to be left out is revoked (`veza-beta invites revoke
-- EMAIL`), and `invites prepare` does not invite again an address whose every
-- invite is revoked. That memory was the revoked row itself, which `invites
-- cleanup` deletes once expired: the next cohort file listing the address then
-- emailed them again. Cleanup now writes here, in the same transaction, each
-- address it takes the last (revoked) invites of; prepare skips these too.
--
-- Only a digest of the address is kept (SHA-256 of the lowercased address, in
-- hex), never the address: prepare has the address from the cohort file and
-- only needs to recognise it; nobody reading this table can list the people in
-- it. An address can still be confirmed by someone who has it (hash it and
-- look), so this is a pseudonym, not an anonymous record.
--
-- `prepare --reinvite-revoked` deletes the row of an address it invites again.
-- Idempotent like 990.

CREATE TABLE IF NOT EXISTS beta_invite_left_out (
  email_digest text PRIMARY KEY CONSTRAINT beta_invite_left_out_digest_check CHECK (email_digest ~ '^[0-9a-f]{64}$'),
  -- the newest revocation of the address's invites (prepare's skip line gives its date)
  revoked_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
