export { CODE_ALPHABET, digestCode, formatCode, generateCode, parseCode } from './code.js';
export { DEFAULT_DATA_DIR, openDatabase, openOptionsFromEnv } from './connect.js';
export { dataDirLinkGone, dataDirMissing } from './data-dir.js';
export { DEFAULT_CONNECT_TIMEOUT_MS } from './speaks-postgres.js';
export type { Connection, Database, HoldLockOptions, OpenOptions } from './connect.js';
export {
  DatabaseNewerError,
  DatabaseNotMigratedError,
  DatabaseReadOnlyError,
  DatabaseUnreachableError,
  INVITES_DB_ERROR_CODES,
  InvitesDbError,
  ServerTooOldError,
} from './errors.js';
export type { InvitesDbErrorCode } from './errors.js';
export { toDatabase } from './database-client.js';
export type { DatabaseClient } from './database-client.js';
export { MIN_POSTGRES_MAJOR, defaultMigrationsDir, migrationStatus, readMigrationFiles, runMigrations } from './migrate.js';
export { analyzeInvites, createInvites } from './queries/create-invites.js';
export type { CreateOptions, CreateOutcome, NewInvite } from './queries/create-invites.js';
export {
  claimInvitesForSend,
  clearUnknownClaims,
  dispatchStep,
  isDispatcherAlive,
  markInviteSent,
  markSentAndClaim,
  markSentAndClaimWithDigests,
  releaseSendClaim,
  releaseUntriedClaims,
  sendStates,
} from './queries/dispatch-claims.js';
export type { DispatchStepResult, SendClaim, SendState } from './queries/dispatch-claims.js';
export {
  allowIdleInTransaction,
  cleanupExpiredInvites,
  deleteInvites,
  deleteUnusedInvitesOf,
  emailDigest,
  forgetLeftOut,
  inviteCodeDigests,
  invitedAddresses,
  leftOutAddresses,
  reissueInviteCode,
  revokedOnlyEmails,
  revokeInvites,
  setInviteExpiry,
} from './queries/manage-invites.js';
export type { CleanupResult, ReissueChanges, RevokeResult } from './queries/manage-invites.js';
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
export type { WelcomeOutboxRow } from './queries/welcome-outbox.js';
export {
  cohortHasInvites,
  countRedeemedInvites,
  createUser,
  deleteTestInvites,
  findExistingUserEmails,
  inviteReport,
  TEST_COHORT,
} from './queries/report.js';
export type { InviteReport } from './queries/report.js';
export { assertMigrated, assertReady } from './readiness.js';
export {
  blankDatabaseSettingsProblems,
  blankDatabaseUrlProblem,
  blankDataDirProblem,
  dataDirIsDatabaseProblem,
  dataDirSetting,
  databaseSettingsProblems,
  DATABASE_SETTINGS_SCHEMA,
  databaseSettingsFromEnv,
  readEnv,
} from './read-env.js';
export { purgeRateLimitWindows, settleRateLimitHits } from './queries/rate-limits.js';
export type { RateLimitHits } from './queries/rate-limits.js';
export type { ReadEnvResult } from './read-env.js';
export {
  announceGateVerdictOnce,
  GATE_ANNOUNCE_LOCK_KEY,
  hasGateRunsTable,
  latestGateRun,
  listGateRuns,
  recordGateRun,
} from './queries/gate-runs.js';
export type { AnnounceOutcome, GateRunVerdict } from './queries/gate-runs.js';
export { latestDecision, listDecisions, recordDecision } from './queries/decisions.js';
export type { StoredDecision } from './queries/decisions.js';
export { dispatchFacts, failedDispatches } from './queries/launch-facts.js';
export { acquirePidLock, LockHeldError } from './pid-lock.js';
export type { LockHolder } from './pid-lock.js';
