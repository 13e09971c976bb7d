-- 999_digest_check.sql: the same rule on code_digest, checked for a tenth of the cost.
--
-- 990 checks `code_digest ~ '^[0-9a-f]{64}$'`. PostgreSQL's regex engine
-- builds the states of its automaton afresh at every match, and the bounded
-- repeat {64} has 65 of them: about 11 µs a row, a quarter of the server's
-- CPU in a 1,000-row createInvites (PostgreSQL 15). The same rule written as
-- 64 bytes that are all 0-9 or a-f (one byte each) costs about 1 µs.
--
-- Replaced only where it exists: a beta_invites without it (made or altered
-- by other means) gets no rule it never had. Adding the check
-- reads the whole table under an exclusive lock, as 990 did: every row
-- passed the old rule, which is the same rule.
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conname = 'beta_invites_code_digest_check' AND conrelid = 'beta_invites'::regclass
  ) THEN
    ALTER TABLE beta_invites DROP CONSTRAINT beta_invites_code_digest_check;
    ALTER TABLE beta_invites ADD CONSTRAINT beta_invites_code_digest_check
      CHECK (octet_length(code_digest) = 64 AND code_digest ~ '^[0-9a-f]+$');
  END IF;
END $$;
