import { validateEmailSettings } from '@veza/email-templates';
import { welcomeEmlBuilder } from './welcome.js';

it('builds the react-email welcome email of a queued row, addressed to its person', async () => {
  const settings = validateEmailSettings({
    frontendUrl: 'https://beta.veza.example',
    feedbackUrl: 'https://forms.example.org/beta',
    discordUrl: 'https://discord.example.org/invite/veza',
    from: 'Veza <beta@veza.example>',
    replyTo: 'team@veza.example',
    unsubscribe: 'mailto:stop@veza.example',
  });
  if (!settings.ok) throw new Error(JSON.stringify(settings.problems));
  const eml = (
    await welcomeEmlBuilder(settings.value)({ id: 'x', inviteId: 'y', email: 'ana@example.org', name: 'Ana', attempts: 0 })
  ).toString('utf8');
  expect(eml).toMatch(/^To: Ana <ana@example\.org>$/m);
  expect(eml).toMatch(/^Subject: /m);
  expect(eml).toContain('https://discord.example.org/invite/veza');
}, 30_000);
