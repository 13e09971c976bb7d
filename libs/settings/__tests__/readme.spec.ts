import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeCodeBlocks, runReadmeExample } from '@veza/test-support';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('the README usage example runs and prints what the README says it prints', () => {
  const out = runReadmeExample(packageDir);
  const [shown] = readmeCodeBlocks(join(packageDir, 'README.md'), 'text');
  expect(out.trim()).toBe((shown ?? '').trim());
});
