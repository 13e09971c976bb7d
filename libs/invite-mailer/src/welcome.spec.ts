import { validateEmailSettings } from '@veza/email-templates';
import { welcomeEmlBuilder } from './welcome.js';

/** The email settings both builds use, validated as the app validates them. */
function emailSettings() {
  const settings = validateEmailSettings({
    frontendUrl: 'https://beta.veza.example',
    feedbackUrl: 'https://forms.example.org/beta',
    discordUrl: 'https://discord.example.org/invite/veza',
    from: 'Veza <beta@veza.example>',
    replyTo: 'team@veza.example',
    unsubscribe: 'mailto:stop@veza.example',
  });
  if (!settings.ok) throw new Error(JSON.stringify(settings.problems));
  return settings.value;
}

it('builds the react-email welcome email of a queued row, addressed to its person', async () => {
  const settings = emailSettings();
  const eml = (await welcomeEmlBuilder(settings)({ id: 'x', inviteId: 'y', email: 'ana@example.org', name: 'Ana', attempts: 0 })).toString(
    'utf8',
  );
  expect(eml).toMatch(/^To: Ana <ana@example\.org>$/m);
  expect(eml).toMatch(/^Subject: /m);
  expect(eml).toContain('https://discord.example.org/invite/veza');
}, 30_000);

it('gives a queued welcome email the same Message-ID each time it is built (a resend is the same email to a mail client)', async () => {
  // a fresh UUID per build: after --resend-unknown of an email that had arrived, the person saw two welcome emails
  const settings = emailSettings();
  const build = welcomeEmlBuilder(settings);
  const row = { id: '5f1c2d3e-0000-4000-8000-000000000001', inviteId: 'y', email: 'ana@example.org', name: null, attempts: 0 };
  const messageId = async (r: typeof row) => /^Message-ID: (.*)$/m.exec((await build(r)).toString('utf8'))?.[1];
  const first = await messageId(row);
  expect(first).toBe('<welcome-5f1c2d3e-0000-4000-8000-000000000001@veza.example>');
  expect(await messageId({ ...row, attempts: 1 })).toBe(first);
  expect(await messageId({ ...row, id: '5f1c2d3e-0000-4000-8000-000000000002' })).not.toBe(first);
}, 30_000);
