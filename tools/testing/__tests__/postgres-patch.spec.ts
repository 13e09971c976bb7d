import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The workspace installs postgres.js with patches/postgres+3.4.9.patch (root postinstall, patch-package):
// without it a busy pool gets slower with every query (docs/DECISIONS.md, "postgres.js patched").
const require = createRequire(import.meta.url);
const packageDir = dirname(dirname(dirname(require.resolve('postgres')))); // …/postgres/cjs/src/index.js → …/postgres

describe('the installed postgres.js', () => {
  it.each(['src', 'cjs/src', 'cf/src'])('%s/queue.js searches from the head and drops shifted-out holes', (dir) => {
    const queue = readFileSync(join(packageDir, dir, 'queue.js'), 'utf8');
    expect(queue).toContain('xs.indexOf(x, index)');
    expect(queue).toContain('xs = xs.slice(index)');
  });

  it('is the version the patch is for', () => {
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
    expect(version).toBe('3.4.9');
  });
});
