import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@veza/test-support';

it('the README usage example runs and prints what it says', () => {
  const out = runReadmeExample(fileURLToPath(new URL('..', import.meta.url)));
  expect(out.trim()).toBe('1/2 sent\n2/2 sent\nsent 2; again: 0 sent, 2 already sent');
});
