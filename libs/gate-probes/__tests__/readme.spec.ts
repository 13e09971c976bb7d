import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@veza/test-support';

it('the README usage example runs and prints what it says', () => {
  const out = runReadmeExample(fileURLToPath(new URL('..', import.meta.url)));
  expect(out).toBe('INCONCLUSIVE 2 pass not_configured true\nVerdict: ⚪ INCONCLUSIVE (exit 2)\n');
});
