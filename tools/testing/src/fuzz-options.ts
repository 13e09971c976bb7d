/**
 * The options of a property spec's `fc.assert`: a fixed seed and a bounded
 * number of runs, so that CI is repeatable and quick; FUZZ_SEED (a number, or
 * `random`) and FUZZ_RUNS override both for a longer exploratory run
 * (tools/fuzz/run.sh). A failure prints the seed and path that replay it.
 */
export function fuzzOptions(seed: number, numRuns: number, env: NodeJS.ProcessEnv = process.env): { seed: number; numRuns: number } {
  const wanted = env['FUZZ_SEED']?.trim();
  const runs = Number(env['FUZZ_RUNS']);
  return {
    seed: wanted === 'random' ? (Math.random() * 2 ** 31) | 0 : wanted ? Number(wanted) : seed,
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : numRuns,
  };
}
