-- 996_claim_guard.sql: a claim to send an invite comes from a veza-beta that checks the code it sends.
--
-- A veza-beta from before this file sent the .eml of the folder it was given
-- without comparing the code in it with the invite's: after --reissue-unsent
-- (new codes, in a new folder), a teammate still on such a version who
-- dispatched the old folder sent the replaced codes, dead on arrival, and
-- recorded them as sent, so the right emails were never sent either. Old code
-- cannot be changed from here; the database can refuse it. Since this file, a
-- claim (send_claimed_at set) is refused unless the statement that makes it
-- says it comes from a claimer that compares each email's code with the
-- invite's digest: the claim statements of this version set
-- veza_beta.claim_checks_code for their own transaction (set_config, local).
-- An older veza-beta's dispatch then stops at its first claim, with nothing
-- claimed and nothing sent (it prints "error 55000: this veza-beta is older
-- than the database ...", or, in the versions of 2026-11-23 to 28, "unexpected
-- error" and a failed UPDATE beta_invites SET send_claimed_at). Releasing a claim,
-- recording a send, redeeming, revoking: none is affected.

CREATE OR REPLACE FUNCTION beta_invites_claim_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('veza_beta.claim_checks_code', true), '') <> 'on' THEN
    RAISE EXCEPTION 'this veza-beta is older than the database (migration 996_claim_guard.sql): it may send codes replaced since; update veza-beta on this machine (git pull && npm ci; in a backend, @veza/invites-db), then dispatch again. Nothing was sent'
      USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS beta_invites_claim_guard ON beta_invites;
CREATE TRIGGER beta_invites_claim_guard
  BEFORE UPDATE OF send_claimed_at ON beta_invites
  FOR EACH ROW
  WHEN (NEW.send_claimed_at IS NOT NULL AND NEW.send_claimed_at IS DISTINCT FROM OLD.send_claimed_at)
  EXECUTE FUNCTION beta_invites_claim_guard();
