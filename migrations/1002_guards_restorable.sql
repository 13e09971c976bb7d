-- 1002_guards_restorable.sql: a dump of the database loads back, guard and all.
--
-- pg_dump and pg_restore run with an empty search_path (every name they write
-- is schema-qualified). The guard of 1001_left_out_guard.sql named its tables
-- without a schema: loading the rows of a dump into a database migrated
-- beforehand (`pg_restore --data-only`, a common way to move data, or `psql -f`
-- of a plain dump) fired it for each invite, and it failed with "relation
-- beta_invite_left_out does not exist": pg_restore skipped the whole table,
-- said "errors ignored on restore" and went on with the others, leaving a
-- database with no invite at all (and with --single-transaction, nothing). Its
-- function now runs with the schema it was created in (this migration's), as
-- a function a trigger calls should.
--
-- And a row loaded by COPY, as pg_restore and plain dumps load rows, is not
-- checked: the guard is for an older veza-beta's prepare (an INSERT); the rows
-- of a dump were checked when they were written, and an invite a backend made
-- on purpose for an address kept as left out (legal: it says it knows of the
-- record) was refused on its way back. A dump taken with --inserts
-- loads by INSERT and is still checked: its message says how to load it.
--
-- The claim guard of 996_claim_guard.sql fires on an UPDATE only, and reads no
-- table: a restore never meets it.

CREATE OR REPLACE FUNCTION beta_invites_left_out_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM beta_invite_left_out
    WHERE email_digest = encode(sha256(convert_to(lower(NEW.email), 'UTF8')), 'hex')
  ) AND EXISTS (SELECT 1 FROM beta_invites WHERE id = NEW.id AND revoked_at IS NULL) THEN
    RAISE EXCEPTION 'this veza-beta is older than the database (migration 997_left_out.sql, guarded by 1001_left_out_guard.sql): it invited an address that asked to be left out; update veza-beta on this machine (git pull && npm install; in a backend, @veza/invites-db), then prepare again. Nothing of its transaction was kept. (Loading a dump made with INSERT statements, pg_dump --inserts? Its invite % is for such an address: load it with PGOPTIONS=''-c veza_beta.knows_left_out=on'')', NEW.id
      USING ERRCODE = '55000';
  END IF;
  RETURN NULL;
END
$$;

-- the schema the migrations run in (the search_path of DATABASE_URL may name another than public)
DO $$
BEGIN
  EXECUTE format('ALTER FUNCTION beta_invites_left_out_guard() SET search_path = %I, pg_temp', current_schema());
END
$$;

DROP TRIGGER IF EXISTS beta_invites_left_out_guard ON beta_invites;
CREATE CONSTRAINT TRIGGER beta_invites_left_out_guard
  AFTER INSERT ON beta_invites
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (
    coalesce(current_setting('veza_beta.knows_left_out', true), '') <> 'on'
    AND coalesce(current_query(), '') !~* '^\s*copy\s'
  )
  EXECUTE FUNCTION beta_invites_left_out_guard();
