-- 1003_email_key_ascii.sql: addresses match case-insensitively whatever the database's collation.
--
-- An address is matched by lower(email) in the database and by JavaScript's
-- toLowerCase() in veza-beta, which agree for ASCII (every invite's address
-- is) under most collations, but not a Turkish or Azeri one (a database made
-- with LOCALE_PROVIDER icu ICU_LOCALE 'tr-TR', or LC_CTYPE tr_TR.UTF-8):
-- there lower('I') is 'ı', the dotless i. On such a database Ilse@example.org
-- and ilse@example.org were two addresses: each got a live invite (two codes
-- mailed to one person), `invites revoke ilse@example.org` left Ilse@'s live,
-- and `invites cleanup` kept a left-out address under a digest prepare never
-- computes, so that person was invited again. lower(email COLLATE "C")
-- lowercases A to Z and nothing else, under any collation: the key every
-- query of this version matches on.
--
-- The index of 990 stays: a teammate's older veza-beta names it in its ON
-- CONFLICT and would fail without it. Building this one takes a SHARE lock
-- on beta_invites for as long as it reads the table (milliseconds for a
-- beta's rows): lookups go on, writes wait. On a Turkish database where two
-- live invites already differ only by the case of an I, the unique index
-- cannot be built: the check below says so first, and nothing is applied.
DO $$
DECLARE
  twins bigint;
BEGIN
  SELECT count(*) INTO twins FROM (
    SELECT 1 FROM beta_invites WHERE revoked_at IS NULL GROUP BY lower(email COLLATE "C") HAVING count(*) > 1
  ) AS t;
  IF twins > 0 THEN
    RAISE EXCEPTION '% address(es) have two or more live invites that differ only in the case of a letter (the database''s collation lowercases I as ı): keep one live invite for each and revoke the others (docs/OPERATOR_GUIDE.md, "A database with a Turkish collation"), then run db migrate again. Nothing was applied', twins
      USING ERRCODE = '23505';
  END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS beta_invites_open_email_ascii_key ON beta_invites (lower(email COLLATE "C")) WHERE revoked_at IS NULL;

-- 1002's guard, with the same key (the message unchanged)
CREATE OR REPLACE FUNCTION beta_invites_left_out_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM beta_invite_left_out
    WHERE email_digest = encode(sha256(convert_to(lower(NEW.email COLLATE "C"), 'UTF8')), 'hex')
  ) AND EXISTS (SELECT 1 FROM beta_invites WHERE id = NEW.id AND revoked_at IS NULL) THEN
    RAISE EXCEPTION 'this veza-beta is older than the database (migration 997_left_out.sql, guarded by 1001_left_out_guard.sql): it invited an address that asked to be left out; update veza-beta on this machine (git pull && npm install; in a backend, @veza/invites-db), then prepare again. Nothing of its transaction was kept. (Loading a dump made with INSERT statements, pg_dump --inserts? Its invite % is for such an address: load it with PGOPTIONS=''-c veza_beta.knows_left_out=on'')', NEW.id
      USING ERRCODE = '55000';
  END IF;
  RETURN NULL;
END
$$;

DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION beta_invites_left_out_guard() SET search_path = %I, pg_temp', current_schema());
END
$$;
