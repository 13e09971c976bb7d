-- 994_welcome_outbox.sql: the welcome emails waiting to be sent (an outbox).
--
-- A redemption that asks for the welcome email inserts its row in the same
-- transaction as the redemption (@veza/invites-db redeemInvite with
-- queueWelcome), so a redemption without its email, or an email without its
-- redemption, cannot happen. @veza/invite-mailer sends the rows with the same
-- claim rules as invite dispatch: a claim is committed before the send, a
-- claim with no sent_at whose sender is gone means "outcome unknown" and is
-- not resent unless an operator asks. One row per invite: exactly one welcome
-- per redemption. No code or digest is stored here.

CREATE TABLE IF NOT EXISTS welcome_outbox (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invite_id  uuid NOT NULL REFERENCES beta_invites (id) ON DELETE CASCADE,
  email      text NOT NULL CONSTRAINT welcome_outbox_email_check CHECK (char_length(email) BETWEEN 3 AND 254),
  name       text CONSTRAINT welcome_outbox_name_check CHECK (char_length(name) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- accepted by the transport
  sent_at    timestamptz,
  -- a sender's claim: set before the send, cleared on failure
  claimed_at timestamptz,
  claimed_by text,
  attempts   integer NOT NULL DEFAULT 0,
  last_error text
);

CREATE UNIQUE INDEX IF NOT EXISTS welcome_outbox_invite_key ON welcome_outbox (invite_id);
-- what a sender looks for: unsent rows, oldest first
CREATE INDEX IF NOT EXISTS welcome_outbox_unsent_idx ON welcome_outbox (created_at) WHERE sent_at IS NULL;
