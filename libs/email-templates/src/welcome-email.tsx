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
// Underlined: a link told from the text around it by colour alone fails WCAG 1.4.1 (plum on ink is 1.3:1).
const link = { color: '#3b2f63', textDecoration: 'underline' };

/** The email sent once an invite is redeemed. React escapes every value it renders. */
export function WelcomeEmail({ name, frontendUrl, discordUrl, feedbackUrl, subject }: WelcomeInput) {
  return (
    <Html lang="fr">
      <Head>
        {/* screen readers announce a document by its title (WCAG 2.4.2), as a browser tab or a saved copy shows it */}
        <title>{subject ?? EMAIL_DEFAULTS.welcomeSubject}</title>
      </Head>
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
              style={{ ...text, backgroundColor: '#3b2f63', color: '#ffffff', borderRadius: '6px', padding: '14px 20px' }}
            >
              Ouvrir Veza
            </Button>
          </Section>
          <Text style={{ ...text, marginBottom: 0 }}>
            Ce qui marche, ce qui coince, ce qui manque&nbsp;: dis-le-nous quand tu veux&nbsp;:
          </Text>
          <ul style={{ ...text, margin: '4px 0 16px', paddingLeft: '22px' }}>
            <li>
              <Link href={feedbackUrl} style={link}>
                le formulaire de retours
              </Link>
            </li>
            <li>
              <Link href={discordUrl} style={link}>
                le salon #beta-feedback sur Discord
              </Link>
            </li>
          </ul>
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

/** html-to-text formatter: the link's words, then "\u00a0: " and its address (French spacing: no break before the colon). */
function labelledLink(
  elem: { children: unknown; attribs?: Record<string, string> },
  walk: (nodes: unknown, builder: TextBuilder) => void,
  builder: TextBuilder,
): void {
  walk(elem.children, builder);
  const href = elem.attribs?.['href'];
  if (href) builder.addInline(`\u00a0: ${href}`, { noWordTransform: true });
}
/** The part of html-to-text's BlockTextBuilder a formatter uses here (its types are not installed). */
interface TextBuilder {
  addInline(text: string, options?: { noWordTransform?: boolean }): void;
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
  // html-to-text writes headings in capitals: in the text part (and the previews made from it) that reads as shouting.
  // Each link is written as the invitation's text part writes its own, "label : URL" (its own line, a list item or the
  // button's), never a URL in the middle of a sentence, read aloud as such; list items start with "- " as there.
  const plainText = {
    plainText: true,
    htmlToTextOptions: {
      formatters: { labelledLink },
      selectors: [
        { selector: 'h1', options: { uppercase: false } },
        { selector: 'a', format: 'labelledLink' },
        { selector: 'ul', options: { itemPrefix: '- ' } },
      ],
    },
  } as const;
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
