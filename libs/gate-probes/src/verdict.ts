import type { GateResult, Verdict, VerdictExitCode } from './types.js';

/** Exit code of a configuration error, detected before any probe runs. */
export const CONFIG_ERROR_EXIT_CODE = 3;

const EXIT_CODES: Record<Verdict, VerdictExitCode> = { GO: 0, 'NO-GO': 1, INCONCLUSIVE: 2 };

/** Any 🔴 → NO-GO, else any ⚪ → INCONCLUSIVE, else GO. No gates at all is not a GO. */
export function verdictOf(gates: readonly Pick<GateResult, 'state'>[]): { verdict: Verdict; exitCode: VerdictExitCode } {
  const verdict: Verdict = gates.some((g) => g.state === 'fail')
    ? 'NO-GO'
    : gates.length === 0 || gates.some((g) => g.state === 'unknown')
      ? 'INCONCLUSIVE'
      : 'GO';
  return { verdict, exitCode: EXIT_CODES[verdict] };
}

export const STATE_ICONS = { pass: '✅', fail: '🔴', unknown: '⚪' } as const;
export const VERDICT_ICONS: Record<Verdict, string> = { GO: '✅', 'NO-GO': '🔴', INCONCLUSIVE: '⚪' };
