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
export { GATES_ERROR_CODES, GatesError } from './errors.js';
export type { GatesErrorCode } from './errors.js';
export { DEFAULT_UNKNOWN_MAX_MS, escalate, initialEscalationState } from './escalate.js';
export type { Escalation, EscalationState } from './escalate.js';
export { highIssuesProbe } from './probes/high-issues-probe.js';
export { k6Probe } from './probes/k6-probe.js';
export { sentryProbe } from './probes/sentry-probe.js';
export { statuspageProbe } from './probes/statuspage-probe.js';
export { syntheticProbe } from './probes/synthetic-probe.js';
export { testersProbe } from './probes/testers-probe.js';
export { renderJson } from './render/render-json.js';
export { renderJunit } from './render/render-junit.js';
export { renderMarkdown } from './render/render-markdown.js';
export { renderTable } from './render/render-table.js';
export { renderRunForStdout } from './render/render-stdout.js';
export { checkGates, runGates } from './run-gates.js';
export type { Evidence, GateId, GateResult, GateRun, GateState, UnknownReason, Verdict } from './types.js';
export { CONFIG_ERROR_EXIT_CODE, verdictOf } from './verdict.js';
export { verdictWebhookPayload } from './webhook-payload.js';
export { runGateLoop } from './gate-loop.js';
export { withDeadline } from './deadline.js';
export { postWebhook, redactWebhookUrl } from './post-webhook.js';
export { MONITOR_DEFAULTS, MONITOR_ENV_VARS, monitorSettingsFromEnv } from './monitor/monitor-settings.js';
export type { MonitorSettings, Parsed } from './monitor/monitor-settings.js';
export { runMonitor } from './monitor/run-monitor.js';
export { outputFiles } from './monitor/output-file.js';
export type { OutputFiles } from './monitor/output-file.js';
export { showRun } from './monitor/show-run.js';
export type { RunOutputs, RunShower } from './monitor/show-run.js';
export type { LaunchCheck } from './launch/launch-check.js';
export { LAUNCH_DEFAULTS, LAUNCH_ENV_VARS, launchSecrets, launchSettingsFromEnv } from './launch/launch-settings.js';
export type { LaunchSettings, LaunchSettingsResult } from './launch/launch-settings.js';
export { coverageGaps, onCallVerdict, pagerdutyIncidentsCheck, pagerdutyOnCallCheck } from './launch/pagerduty-checks.js';
export { feedbackFormCheck, healthCheck, minioClusterCheck } from './launch/http-checks.js';
export { errorRatioCheck, minioPrometheusCheck } from './launch/prometheus-checks.js';
export { maintenanceCheck, maintenanceVerdict } from './launch/statuspage-maintenance.js';
export { discordInviteCheck, discordMessagesSinceCheck, discordPinsCheck } from './launch/discord-checks.js';
export { backupCheck, backupVerdict, drillCheck } from './launch/command-checks.js';
export { runCommand } from './launch/run-command.js';
export {
  decisionRecordedCheck,
  firstRedemptionCheck,
  lastDispatchCheck,
  launchWindowText,
  localDay,
  monitorFreshCheck,
} from './launch/database-rules.js';
export type { LaunchStart } from './launch/database-rules.js';
export { fetchHighIssues, highTriageCheck, triageVerdict } from './launch/high-triage.js';
export { funnelSvg, gateHistorySvg } from './decision/charts.js';
export { renderDecisionHtml, renderDecisionMarkdown } from './decision/render-decision.js';
export type { DecisionReportInput } from './decision/decision-input.js';
