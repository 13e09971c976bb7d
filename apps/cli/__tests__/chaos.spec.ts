// The chaos run's short mode, so that CI keeps it: two fixed seeds, one on each
// backend, one round each after the first (migrations raced), of the mutating commands at once and cut short
// (tools/chaos; docs/README.md, "The chaos run"). A long session is the same harness with more
// seeds: node --conditions=@veza/source --import tsx tools/chaos/chaos.ts --minutes 30
import { expect, it } from '@jest/globals';
import { testBackends } from '@veza/invites-db/testing';
import { runChaos } from '../../../tools/chaos/run-chaos.js';

it('random pairs and triples of the mutating commands, killed or interrupted at random: no invariant broken (seeds 7 and 8)', async () => {
  const postgresOn = testBackends().some((backend) => backend.name === 'postgres');
  const log: string[] = [];
  const run = async (seed: number, backend: 'postgres' | 'pglite') =>
    runChaos({
      firstSeed: seed,
      seeds: 1,
      untilMs: null,
      backends: [backend],
      rounds: 1,
      keep: false,
      serverUrl: process.env['TEST_DATABASE_URL'],
      // the apps' bundles of this jest run (globalSetup), or their sources through tsx with VEZA_PREBUILT=0
      prebuiltDir: null,
      log: (line) => log.push(line),
    });
  const results = [...(postgresOn ? [await run(7, 'postgres')] : []), await run(8, 'pglite')];
  // every scenario ran its commands and its settling run
  for (const result of results) expect(result.scenarios[0]!.commands).toBeGreaterThanOrEqual(4);
  expect(log.filter((line) => line.startsWith('VIOLATION'))).toEqual([]);
}, 400_000);
