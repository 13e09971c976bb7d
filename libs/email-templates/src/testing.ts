import type { InviteRecipient } from './recipient.js';

// The Chromium the previews use, and its flags (a sandbox-less container): for other browser tests of the project.
export { CHROMIUM_ARGS, DEFAULT_CHROMIUM_PATH } from './write-preview.js';
import type { EmailSettingsInput } from './settings.js';

/** Settings that validate, with example.org hosts; override what a test is about. */
export function sampleEmailSettings(overrides: Partial<EmailSettingsInput> = {}): EmailSettingsInput {
  return {
    frontendUrl: 'https://beta.veza.example',
    feedbackUrl: 'https://forms.example.org/veza-beta?src=email&v=1',
    discordUrl: 'https://discord.example.org/invite/veza-beta',
    from: "L'équipe Veza <beta@veza.example>",
    replyTo: 'Veza <bonjour@veza.example>',
    unsubscribe: 'https://beta.veza.example/not-for-me',
    ...overrides,
  };
}

/** A recipient with a fixed code and expiry, so renders are the same on every run. */
export function sampleRecipient(overrides: Partial<InviteRecipient> = {}): InviteRecipient {
  return {
    email: 'adele@example.org',
    name: 'Adèle Dupré',
    cohort: 'creatrices-2026',
    code: '7K3M-Q9ZD-1XWN-4T8R',
    expiresAt: new Date('2026-07-01T10:00:00Z'),
    inviteId: '42',
    ...overrides,
  };
}
