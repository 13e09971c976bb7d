-- 1001_left_out_guard.sql: an invite for an address kept as left out comes from a writer that knows of 997.
--
-- 997_left_out.sql keeps, after `invites cleanup`, the digest of an address
-- whose invites were all revoked (the person asked to be left out), and
-- `invites prepare` skips it. A veza-beta from before 997 (2026-11-29 morning)
-- does not know that table: a teammate still on such a version who prepared a
-- cohort file listing the address created a live invite for it, which a veza-beta
-- of any version then dispatched (a live invite wins over the record, as one a
-- backend makes on purpose does). Old code cannot be changed from here; the
-- database can refuse it. Since this file, an invite inserted for an address
-- still kept in beta_invite_left_out when its transaction commits is refused,
-- unless the inserting statement says it comes from a writer that knows of
-- the record: createInvites of this version sets veza_beta.knows_left_out for
-- its own transaction (set_config, local), as 996's claim statements do.
--
-- The check waits for the commit (a deferred constraint trigger): `prepare
-- --reinvite-revoked` of 997 and later lifts the record after the insert, in
-- the same transaction, and is not refused. An older veza-beta's prepare
-- then fails that chunk (its transaction rolls back: no invite, no .eml kept)
-- with the message below; the other chunks are made. A backend on a
-- @veza/invites-db from before this file is refused the same way for such an
-- address only. The writers of this version pay one WHEN test per row, no
-- queued event.

CREATE OR REPLACE FUNCTION beta_invites_left_out_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM beta_invite_left_out
    WHERE email_digest = encode(sha256(convert_to(lower(NEW.email), 'UTF8')), 'hex')
  ) AND EXISTS (SELECT 1 FROM beta_invites WHERE id = NEW.id AND revoked_at IS NULL) THEN
    RAISE EXCEPTION 'this veza-beta is older than the database (migration 997_left_out.sql, guarded by 1001_left_out_guard.sql): it invited an address that asked to be left out; update veza-beta on this machine (git pull && npm install; in a backend, @veza/invites-db), then prepare again. Nothing of its transaction was kept'
      USING ERRCODE = '55000';
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS beta_invites_left_out_guard ON beta_invites;
CREATE CONSTRAINT TRIGGER beta_invites_left_out_guard
  AFTER INSERT ON beta_invites
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW
  WHEN (coalesce(current_setting('veza_beta.knows_left_out', true), '') <> 'on')
  EXECUTE FUNCTION beta_invites_left_out_guard();
