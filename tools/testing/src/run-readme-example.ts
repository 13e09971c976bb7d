import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readmeCodeBlocks } from './readme-error-codes.js';

/**
 * Runs a TypeScript block of a package README (the first, or the `block`-th
 * from 0) as a real program, the way a user would paste it, and returns what
 * it printed. The file is written inside the package (so `@veza/*` resolves)
 * and removed afterwards.
 */
export function runReadmeExample(packageDir: string, env: NodeJS.ProcessEnv = process.env, block = 0): string {
  const code = readmeCodeBlocks(join(packageDir, 'README.md'))[block];
  if (!code) throw new Error(`${packageDir}/README.md has no \`\`\`ts block number ${block + 1}`);
  const dir = join(packageDir, 'tmp', `readme-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'example.ts');
  writeFileSync(file, code);
  const tsx = pathToFileURL(createRequire(join(packageDir, 'package.json')).resolve('tsx')).href;
  try {
    return execFileSync(process.execPath, ['--conditions=@veza/source', '--import', tsx, file], {
      cwd: dir,
      env: { ...env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
