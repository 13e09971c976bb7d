/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The pragmas keep JSX working under tsx from any folder (the CLI), whatever tsconfig it finds.
import { Body, Button, Container, Head, Heading, Html, Link, Preview, Section, Text } from '@react-email/components';
import { render } from '@react-email/render';
import { buildEml } from './build-eml.js';
import type { EmlOptions } from './build-eml.js';
import type { RenderedEmail } from './compile-invite-template.js';
import { emailProblem, nameProblem } from '@veza/invite-rules';
import { RecipientInvalidError } from './errors.js';
import { EMAIL_DEFAULTS } from './settings.js';
import type { EmailSettings } from './settings.js';

export interface WelcomeInput {
  name?: string;
  frontendUrl: string;
  discordUrl: string;
  feedbackUrl: string;
  subject?: string;
}

const text = { fontFamily: 'Helvetica, Arial, sans-serif', fontSize: '16px', lineHeight: '1.55', color: '#23212b' };
const link = { color: '#3b2f63' };

/** The email sent once an invite is redeemed. React escapes every value it renders. */
export function WelcomeEmail({ name, frontendUrl, discordUrl, feedbackUrl }: WelcomeInput) {
  return (
    <Html lang="fr">
      <Head />
      <Preview>Ton compte est prêt. Voici où nous dire ce que tu en penses.</Preview>
      <Body style={{ backgroundColor: '#f4f2ee', margin: 0, padding: '24px 0' }}>
        <Container style={{ backgroundColor: '#ffffff', borderRadius: '8px', padding: '16px 24px', maxWidth: '600px' }}>
          <Heading as="h1" style={{ ...text, fontSize: '22px', color: '#3b2f63' }}>
            Bienvenue dans la bêta de Veza
          </Heading>
          <Text style={text}>{name ? `Bonjour ${name},` : 'Bonjour,'}</Text>
          <Text style={text}>
            Ton compte est prêt, merci d'avoir sauté le pas. Comme c'est une bêta, tu vas sûrement croiser des bugs et des pages pas
            finies&nbsp;: c'est normal, et chaque retour nous aide à les corriger.
          </Text>
          <Section style={{ textAlign: 'center', padding: '8px 0 16px' }}>
            <Button
              href={frontendUrl}
              style={{ ...text, backgroundColor: '#3b2f63', color: '#ffffff', borderRadius: '6px', padding: '12px 20px' }}
            >
              Ouvrir Veza
            </Button>
          </Section>
          <Text style={text}>
            Ce qui marche, ce qui coince, ce qui manque&nbsp;: dis-le-nous dans{' '}
            <Link href={feedbackUrl} style={link}>
              le formulaire de retours
            </Link>{' '}
            ou sur{' '}
            <Link href={discordUrl} style={link}>
              le salon #beta-feedback sur Discord
            </Link>
            , quand tu veux.
          </Text>
          <Text style={text}>
            Merci,
            <br />
            L'équipe Veza
          </Text>
        </Container>
      </Body>
    </Html>
  );
}

function checkName(name: string | undefined): string | undefined {
  const trimmed = name?.trim() || undefined;
  const problem = trimmed === undefined ? null : nameProblem(trimmed);
  if (problem) throw new RecipientInvalidError('name', problem);
  return trimmed;
}

/** HTML and plain text of the welcome email (one render per person: this one is not sent in bulk). */
export async function renderWelcomeEmail(input: WelcomeInput): Promise<RenderedEmail> {
  const props = { ...input, name: checkName(input.name) };
  const element = <WelcomeEmail {...props} />;
  // html-to-text writes headings in capitals: in the text part (and the previews made from it) that reads as shouting
  const plainText = { plainText: true, htmlToTextOptions: { selectors: [{ selector: 'h1', options: { uppercase: false } }] } } as const;
  const [html, plain] = await Promise.all([render(element), render(element, plainText)]);
  return { subject: input.subject ?? EMAIL_DEFAULTS.welcomeSubject, html, text: plain };
}

/** The welcome .eml for one person, built by MailComposer with the batch settings' From, Reply-To and subject. */
export async function buildWelcomeEml(
  settings: EmailSettings,
  recipient: { email: string; name?: string },
  options: EmlOptions = {},
): Promise<Buffer> {
  const problem = emailProblem(recipient.email);
  if (problem) throw new RecipientInvalidError('email', problem.reason);
  const name = checkName(recipient.name);
  const rendered = await renderWelcomeEmail({
    name,
    frontendUrl: settings.frontendUrl,
    discordUrl: settings.discordUrl,
    feedbackUrl: settings.feedbackUrl,
    subject: settings.welcomeSubject,
  });
  return buildEml(
    {
      from: settings.from,
      to: name ? { name, address: recipient.email } : { address: recipient.email },
      replyTo: settings.replyTo,
      ...rendered,
    },
    options,
  );
}
