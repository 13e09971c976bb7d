/**
 * One thing wrong with an input: which field (a CSV column, a setting's
 * variable name, a form field) and why, as words that follow the field name
 * (`PORT` + `must be a whole number between 0 and 65535`). A message never
 * quotes a secret.
 */
export interface Problem {
  readonly field: string;
  readonly message: string;
}

/**
 * The one result shape of every validator in veza-beta: the value, or every
 * problem at once (never only the first), with warnings either way.
 */
export type Validation<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly warnings: readonly Problem[] };

/** `FIELD message`, the way every app prints a problem. */
export function problemText(problem: Problem): string {
  return problem.message ? `${problem.field} ${problem.message}` : problem.field;
}
