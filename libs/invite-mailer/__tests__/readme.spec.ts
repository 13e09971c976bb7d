import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeCodeBlocks, runReadmeExample } from '@veza/test-support';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

it('the README usage example runs and prints what it says', () => {
  const out = runReadmeExample(packageDir);
  expect(out.trim()).toBe('1/2 sent\n2/2 sent\nsent 2; again: 0 sent, 2 already sent');
});

it('the README welcome outbox example (a backend redeeming, a loop sending) runs as written and prints what the README shows', () => {
  const out = runReadmeExample(packageDir, process.env, 1);
  expect(out.trim()).toBe((readmeCodeBlocks(join(packageDir, 'README.md'), 'text')[1] ?? '').trim());
  expect(out.trim()).toBe('true\nwelcome emails sent: 1');
});
