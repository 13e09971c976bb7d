import { problemText } from '@veza/invite-rules';
import type { Problem, Validation } from '@veza/invite-rules';
import { SettingsInvalidError } from './errors.js';

/** The exit code of every veza-beta app whose settings are bad. */
export const SETTINGS_EXIT_CODE = 3;

/**
 * What an app prints for bad settings, one line per problem:
 * `redemption-api: configuration error: PORT must be at most 65535`.
 */
export function formatProblems(problems: readonly Problem[], options: { app: string; label?: string }): string {
  const label = options.label ?? 'configuration error';
  return problems.map((problem) => `${options.app}: ${label}: ${problemText(problem)}\n`).join('');
}

/** The value, or SettingsInvalidError (SETTINGS_INVALID) listing every problem: for code that cannot go on without it. */
export function settingsOrThrow<T>(result: Validation<T>): T {
  if (!result.ok) throw new SettingsInvalidError(result.problems);
  return result.value;
}
