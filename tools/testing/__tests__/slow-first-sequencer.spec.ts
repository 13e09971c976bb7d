import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(import.meta.url);
const SlowFirstSequencer = require('../slow-first-sequencer.cjs') as new (options: object) => {
  sort(tests: FakeTest[]): FakeTest[];
};

interface FakeTest {
  path: string;
  context: { config: { cache: boolean }; hasteFS: { getSize(path: string): number } };
}

/** Tests as jest hands them to a sequencer, without a timing cache (as on a fresh clone): jest would order them by file size. */
function testsOfSize(sizes: Record<string, number>): FakeTest[] {
  const context = { config: { cache: false }, hasteFS: { getSize: (path: string) => sizes[path] ?? 0 } };
  return Object.keys(sizes).map((path) => ({ path, context }));
}

describe('the slow-first sequencer of npm test', () => {
  it('starts the listed slow spec files first, in the listed order, and leaves the others in jest order (largest first)', () => {
    const tests = testsOfSize({
      [`${root}libs/small/a.spec.ts`]: 10,
      [`${root}apps/cli/__tests__/dispatch.spec.ts`]: 5,
      [`${root}libs/large/b.spec.ts`]: 90,
      [`${root}apps/cli/__tests__/prepare.spec.ts`]: 1,
    });
    const order = new SlowFirstSequencer({}).sort(tests).map((t) => t.path.slice(root.length));
    expect(order).toEqual([
      'apps/cli/__tests__/prepare.spec.ts',
      'apps/cli/__tests__/dispatch.spec.ts',
      'libs/large/b.spec.ts',
      'libs/small/a.spec.ts',
    ]);
  });

  it('lists only spec files that exist (a renamed file would silently lose its place)', () => {
    const listed = [...readFileSync(`${root}tools/testing/slow-first-sequencer.cjs`, 'utf8').matchAll(/^ {2}'([^']+\.spec\.ts)',$/gm)].map(
      (m) => m[1]!,
    );
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.filter((file) => !existsSync(`${root}${file}`))).toEqual([]);
  });
});
