import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@veza/test-support';

it('the README usage example runs and prints what it says', () => {
  const out = runReadmeExample(fileURLToPath(new URL('..', import.meta.url)));
  expect(out.trim()).toBe('Ton invitation à la bêta de Veza | 7K3M-Q9ZD-1XWN-4T8R | X-Veza-Invite-Id: 42 | no {{ left: true');
});
