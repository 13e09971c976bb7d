import { prebuildApps } from '../testing/prebuild-apps.mjs';
import type { Backend, ScenarioResult } from './scenario.js';
import { runScenario } from './scenario.js';

export interface ChaosOptions {
  firstSeed: number;
  /** scenarios per backend, seeds firstSeed, firstSeed + 1, … */
  seeds: number;
  /** go on with further seeds until then (a long session), whatever `seeds` says */
  untilMs: number | null;
  backends: Backend[];
  rounds: number;
  keep: boolean;
  serverUrl: string | undefined;
  /** bundle the apps here first, so that each command starts in a fraction of the time (null: VEZA_PREBUILT_DIR is set already) */
  prebuiltDir: string | null;
  log: (line: string) => void;
}

/** Runs the scenarios one after the other; every violation is logged with its seed and backend. */
export async function runChaos(options: ChaosOptions): Promise<{ scenarios: ScenarioResult[]; violations: number }> {
  if (options.prebuiltDir) {
    await prebuildApps(options.prebuiltDir);
    process.env['VEZA_PREBUILT_DIR'] = options.prebuiltDir;
  }
  const backends = options.backends.filter((b) => b === 'pglite' || options.serverUrl);
  if (backends.length < options.backends.length)
    options.log('chaos: no TEST_DATABASE_URL, so PGlite only (run under tools/with-postgres.sh)');
  const scenarios: ScenarioResult[] = [];
  for (let i = 0; i < options.seeds || (options.untilMs !== null && Date.now() < options.untilMs); i++) {
    const seed = options.firstSeed + i;
    for (const backend of backends) {
      options.log(`chaos: seed ${seed} on ${backend} (replay: --seed ${seed} --seeds 1 --backend ${backend})`);
      const result = await runScenario({
        seed,
        backend,
        serverUrl: options.serverUrl,
        rounds: options.rounds,
        log: options.log,
        keep: options.keep,
      });
      scenarios.push(result);
      for (const violation of result.violations) options.log(`VIOLATION seed ${seed} ${backend}: ${violation}`);
      if (result.violations.length > 0 || options.keep) options.log(`  its folder: ${result.dir}`);
    }
  }
  const violations = scenarios.reduce((n, s) => n + s.violations.length, 0);
  options.log(
    `chaos: ${scenarios.length} scenario(s), ${scenarios.reduce((n, s) => n + s.commands, 0)} command(s), ${violations} violation(s)`,
  );
  return { scenarios, violations };
}
