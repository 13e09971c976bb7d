-- 995_decisions.sql: the GO / NO-GO decisions of the decision call.
--
-- Written by `veza-beta decision record`: one row per decision, with the
-- newest stored gate run it was based on (gate_runs, 991), the note and who
-- took it. A NO-GO needs its reason: the note is required for it. Idempotent
-- like 990. (992–994 are taken by other features.)

CREATE TABLE IF NOT EXISTS decisions (
  id          bigserial PRIMARY KEY,
  decision    text NOT NULL CONSTRAINT decisions_decision_check CHECK (decision IN ('GO', 'NO-GO')),
  note        text CONSTRAINT decisions_note_check CHECK (char_length(note) <= 4000),
  decided_by  text[] NOT NULL DEFAULT '{}',
  gate_run_id bigint REFERENCES gate_runs (id) ON DELETE SET NULL,
  -- the verdict of that run, kept even if the run is purged
  gate_verdict text,
  decided_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT decisions_no_go_note_check CHECK (decision = 'GO' OR char_length(btrim(coalesce(note, ''))) > 0)
);

CREATE INDEX IF NOT EXISTS decisions_decided_at_idx ON decisions (decided_at);
