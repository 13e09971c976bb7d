import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@veza/test-support';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('the README usage example runs and prints what it says', () => {
  const out = runReadmeExample(packageDir);
  expect(out.trim()).toBe('valid true used 1');
});

it("the README's PGlite install advice names the exact version the package depends on: npm keeps one copy only then", () => {
  // `npm install @electric-sql/pglite@0.5` installed the newest 0.5 (0.5.17) and nested this package's pinned
  // 0.5.16 under it: two copies of PGlite's WebAssembly in the backend, where the README promised one
  const readme = readFileSync(`${packageDir}/README.md`, 'utf8');
  const pinned = (JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { dependencies: Record<string, string> }).dependencies[
    '@electric-sql/pglite'
  ];
  const advised = [...readme.matchAll(/npm install @electric-sql\/pglite@(\S+?)`/g)].map((match) => match[1]);
  expect(advised.length).toBeGreaterThan(0);
  expect(new Set(advised)).toEqual(new Set([pinned]));
});
