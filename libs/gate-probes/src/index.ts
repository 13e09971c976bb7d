export { GATE_DEFAULTS, GATE_ENV_VARS, configSecrets, gatesConfigFromEnv, unconfiguredGates } from './config.js';
export type {
  GatesConfig,
  GatesConfigResult,
  GithubTarget,
  HighIssuesConfig,
  K6Config,
  SentryConfig,
  StatuspageConfig,
  SyntheticConfig,
  TestersConfig,
} from './config.js';
export { GATES_ERROR_CODES, GatesConfigError, GatesError, GatesStateError } from './errors.js';
export type { GatesErrorCode } from './errors.js';
export { DEFAULT_UNKNOWN_MAX_MS, escalate, initialEscalationState } from './escalate.js';
export type { Escalation, EscalationOptions, EscalationState } from './escalate.js';
export type { ProbeOptions } from './probe-kit.js';
export { highIssuesProbe, highIssuesUrl } from './probes/high-issues-probe.js';
export { k6Probe, k6RunsUrl } from './probes/k6-probe.js';
export { sentryIssuesUrl, sentryProbe } from './probes/sentry-probe.js';
export { statuspageProbe } from './probes/statuspage-probe.js';
export { syntheticProbe } from './probes/synthetic-probe.js';
export { testersProbe, testersSource } from './probes/testers-probe.js';
export type { TestersSource } from './probes/testers-probe.js';
export { redactUrl, scrubSecrets } from './redact.js';
export { GATES_JSON_SCHEMA_VERSION, renderJson } from './render/render-json.js';
export { escapeXml, renderJunit } from './render/render-junit.js';
export { renderMarkdown } from './render/render-markdown.js';
export { renderTable } from './render/render-table.js';
export { renderRunForStdout } from './render/render-stdout.js';
export type { StdoutFormat } from './render/render-stdout.js';
export { nextLink, parseLinkHeader, retryAfterMs } from './request-json.js';
export { checkGates, runGates } from './run-gates.js';
export type { GatesCheck, RunGatesDeps } from './run-gates.js';
export { GATE_IDS, GATE_TITLES, UNKNOWN_REASONS } from './types.js';
export type { Evidence, GateId, GateResult, GateRun, GateState, UnknownReason, Verdict, VerdictExitCode } from './types.js';
export { CONFIG_ERROR_EXIT_CODE, STATE_ICONS, VERDICT_ICONS, verdictOf } from './verdict.js';
export { verdictWebhookPayload } from './webhook-payload.js';
export type { WebhookPayload } from './webhook-payload.js';
export { DEFAULT_RUN_TIMEOUT_MS, abortableSleep, runGateLoop } from './gate-loop.js';
export { withDeadline } from './deadline.js';
export type { DeadlineOutcome } from './deadline.js';
export type { GateLoopOptions, GateLoopProblem, GateLoopResult } from './gate-loop.js';
export { postWebhook, redactWebhookUrl } from './post-webhook.js';
export type { PostWebhookOptions, PostWebhookResult } from './post-webhook.js';
export { MONITOR_DEFAULTS, MONITOR_ENV_VARS, monitorSettingsFromEnv } from './monitor/monitor-settings.js';
export type { MonitorSettings, Parsed } from './monitor/monitor-settings.js';
export { runMonitor } from './monitor/run-monitor.js';
export type { MonitorIo } from './monitor/run-monitor.js';
export { decidedCheck, notConfiguredCheck, runLaunchCheck } from './launch/launch-check.js';
export type { LaunchCheck, LaunchObservation, LaunchState } from './launch/launch-check.js';
export { LAUNCH_DEFAULTS, LAUNCH_ENV_VARS, launchSecrets, launchSettingsFromEnv } from './launch/launch-settings.js';
export type { LaunchSettings, LaunchSettingsResult } from './launch/launch-settings.js';
export { coverageGaps, onCallVerdict, pagerdutyIncidentsCheck, pagerdutyOnCallCheck } from './launch/pagerduty-checks.js';
export type { OnCallEntry } from './launch/pagerduty-checks.js';
export { feedbackFormCheck, healthCheck, minioClusterCheck } from './launch/http-checks.js';
export { errorRatioCheck, minioPrometheusCheck } from './launch/prometheus-checks.js';
export { maintenanceCheck, maintenanceVerdict } from './launch/statuspage-maintenance.js';
export type { Maintenance } from './launch/statuspage-maintenance.js';
export { discordInviteCheck, discordInviteCode, discordMessagesSinceCheck, discordPinsCheck, snowflakeAt } from './launch/discord-checks.js';
export { backupCheck, backupVerdict, drillCheck } from './launch/command-checks.js';
export { runCommand } from './launch/run-command.js';
export type { CommandOutcome } from './launch/run-command.js';
export { decisionRecordedCheck, firstRedemptionCheck, lastDispatchCheck, monitorFreshCheck } from './launch/database-rules.js';
export type { DispatchCounts } from './launch/database-rules.js';
export { fetchHighIssues, highTriageCheck, triageVerdict } from './launch/high-triage.js';
export type { HighIssue } from './launch/high-triage.js';
export { funnelSvg, gateHistorySvg } from './decision/charts.js';
export { renderDecisionHtml, renderDecisionMarkdown } from './decision/render-decision.js';
export type { DecisionReportInput } from './decision/decision-input.js';
