-- 991_gate_runs.sql: every verdict of the acceptance gates, with its evidence.
--
-- Written by apps/monitor-worker (and `veza-beta gates check` with LOOP=1):
-- one row per run. `run` is the whole GateRun of @veza/gate-probes (tokens
-- already scrubbed by the lib); `escalation_state` is the escalate() state
-- after that run, so a restarted loop resumes its ⚪ streaks and does not
-- announce an unchanged verdict again. Idempotent like 990.

CREATE TABLE IF NOT EXISTS gate_runs (
  id               bigserial PRIMARY KEY,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz NOT NULL,
  verdict          text NOT NULL CONSTRAINT gate_runs_verdict_check CHECK (verdict IN ('GO', 'NO-GO', 'INCONCLUSIVE')),
  exit_code        integer NOT NULL CONSTRAINT gate_runs_exit_code_check CHECK (exit_code IN (0, 1, 2)),
  run              jsonb NOT NULL,
  escalation_state jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- latest run, history by time
CREATE INDEX IF NOT EXISTS gate_runs_started_at_idx ON gate_runs (started_at);
