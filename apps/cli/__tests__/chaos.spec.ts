// The chaos run's short mode, so that CI keeps it: seed 7 on each backend, one
// round after the first (migrations raced), of the mutating commands at once
// and cut short (tools/chaos; docs/README.md, "The chaos run"). A long session
// is the same script with more seeds:
//   bash tools/with-postgres.sh node --conditions=@veza/source --import tsx tools/chaos/chaos.ts --minutes 30
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { testBackends } from '@veza/invites-db/testing';
import { childEnv } from '@veza/test-support';

const CHAOS = fileURLToPath(new URL('../../../tools/chaos/chaos.ts', import.meta.url));

it('random pairs and triples of the mutating commands, killed or interrupted at random: no invariant broken (seed 7)', async () => {
  const backends = testBackends().map((backend) => backend.name);
  const run = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    // the apps' bundles of this jest run (VEZA_PREBUILT_DIR, globalSetup) serve the harness's commands too
    const child = spawn(
      process.execPath,
      [
        '--conditions=@veza/source',
        '--import',
        'tsx',
        CHAOS,
        '--seed',
        '7',
        '--seeds',
        '1',
        '--rounds',
        '1',
        '--backend',
        backends.length > 1 ? 'both' : 'pglite',
      ],
      { env: childEnv({ TEST_DATABASE_URL: process.env['TEST_DATABASE_URL'] }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
  expect(run.output.split('\n').filter((line) => line.startsWith('VIOLATION'))).toEqual([]);
  // every scenario ran, with its settling run, and the run says so
  expect(run.output).toMatch(new RegExp(`^chaos: ${backends.length} scenario\\(s\\), \\d+ command\\(s\\), 0 violation\\(s\\)$`, 'm'));
  expect(run.code).toBe(0);
}, 400_000);
