-- 998_gate_announcements.sql: the verdict changes the gate monitors announced (webhook posts).
--
-- Each monitor remembered only its own last announcement: two monitors on one
-- database (a second tmux window, a second host for safety) each posted every
-- change. A monitor now takes a transaction advisory lock, compares its
-- verdict with the last row here and posts only when it differs, adding the
-- row in the same transaction once the post went through. A monitor that dies
-- mid-post loses its session, so its lock and its unrecorded row go with it:
-- the other posts the change at its next run. Idempotent like 990.

CREATE TABLE IF NOT EXISTS gate_announcements (
  id           bigserial PRIMARY KEY,
  verdict      text NOT NULL CONSTRAINT gate_announcements_verdict_check CHECK (verdict IN ('GO', 'NO-GO', 'INCONCLUSIVE')),
  -- host:pid of the monitor (or `gates check`) that posted it
  announced_by text NOT NULL,
  announced_at timestamptz NOT NULL DEFAULT now()
);
