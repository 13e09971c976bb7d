export { CODE_ALPHABET, CODE_LENGTH, digestCode, formatCode, generateCode, normalizeCode, parseCode } from './code.js';
export type { ParsedCode } from './code.js';
export { DEFAULT_DATA_DIR, LOCK_NAMESPACE, openDatabase, openOptionsFromEnv } from './connect.js';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './speaks-postgres.js';
export type { Connection, Database, OpenOptions, RawTransaction } from './connect.js';
export {
  DatabaseBusyError,
  DatabaseNotMigratedError,
  DatabaseUnreachableError,
  INVITES_DB_ERROR_CODES,
  InvalidInputError,
  InviteCodeMalformedError,
  InvitesDbError,
  MigrationEditedError,
  MigrationFailedError,
  MigrationsMissingError,
  redactUrls,
} from './errors.js';
export type { InvitesDbErrorCode } from './errors.js';
export { toDatabase } from './database-client.js';
export type { DatabaseClient, PgliteClient } from './database-client.js';
export { DEFAULT_MIGRATIONS_DIR, migrationStatus, readMigrationFiles, runMigrations } from './migrate.js';
export type { MigrationFile, MigrationResult, MigrationStatus } from './migrate.js';
export { createInvites } from './queries/create-invites.js';
export type { CreateOptions, CreateOutcome, NewInvite } from './queries/create-invites.js';
export { claimInvitesForSend, clearUnknownClaims, isDispatcherAlive, markInviteSent, markSentAndClaim, releaseSendClaim, releaseUntriedClaims, sendStates } from './queries/dispatch-claims.js';
export type { SendState } from './queries/dispatch-claims.js';
export { cleanupExpiredInvites, deleteInvites, reissueInviteCode, revokeInvites, setInviteExpiry } from './queries/manage-invites.js';
export type { CleanupResult, RevokeResult, RevokeTarget } from './queries/manage-invites.js';
export { lookupInvite, redeemInvite } from './queries/redeem-invite.js';
export type { InviteState, InviteSummary, LookupResult, QueryOptions, RedeemOptions, RedeemResult } from './queries/redeem-invite.js';
export {
  claimWelcomeEmail,
  claimedWelcomeEmails,
  clearWelcomeClaims,
  exhaustedWelcomeEmails,
  listWelcomeOutbox,
  markWelcomeSent,
  queueWelcomeEmail,
  releaseWelcomeClaim,
} from './queries/welcome-outbox.js';
export type { WelcomeClaim, WelcomeOutboxRow } from './queries/welcome-outbox.js';
export { countRedeemedInvites, createUser, findExistingUserEmails, inviteReport } from './queries/report.js';
export type { CohortFunnel, InviteReport } from './queries/report.js';
export { assertMigrated } from './readiness.js';
export { DATABASE_SETTINGS_SCHEMA, databaseSettingsFromEnv, readEnv } from './read-env.js';
export { purgeRateLimitWindows, settleRateLimitHits } from './queries/rate-limits.js';
export type { RateLimitHits } from './queries/rate-limits.js';
export type { ReadEnvResult } from './read-env.js';
export { betaInvites, migrationsTable, users } from './schema.js';
export type { InviteRow } from './schema.js';
export { GATE_RUNS_MAX_LIMIT, hasGateRunsTable, latestGateRun, listGateRuns, recordGateRun } from './queries/gate-runs.js';
export type { GateRunLike, GateRunVerdict, StoredGateRun } from './queries/gate-runs.js';
export { gateRuns } from './schema.js';
export type { GateRunRow } from './schema.js';
export { DECISION_NOTE_MAX, latestDecision, listDecisions, recordDecision } from './queries/decisions.js';
export type { DecisionValue, NewDecision, StoredDecision } from './queries/decisions.js';
export { dispatchFacts, failedDispatches } from './queries/launch-facts.js';
export type { DispatchFacts } from './queries/launch-facts.js';
