import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const publicDir = new URL('../../public/', import.meta.url);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The "what comes next" links shown after a successful redeem: the ones of the invitation email. */
export function nextStepsHtml(links: { feedbackUrl: string | undefined; discordUrl: string | undefined; welcomeEmail?: boolean }): string {
  // WELCOME_EMAIL=1: the redemption queued the welcome email; say where to look.
  const inbox = links.welcomeEmail
    ? '<p id="check-inbox">Regarde ta boîte de réception&nbsp;: un e-mail de bienvenue est en route.</p>\n      '
    : '';
  return inbox + linkList(links);
}

function linkList(links: { feedbackUrl: string | undefined; discordUrl: string | undefined }): string {
  const items = [
    links.feedbackUrl ? `<li><a href="${escapeHtml(links.feedbackUrl)}" rel="noopener noreferrer">le formulaire de retours</a></li>` : '',
    links.discordUrl
      ? `<li><a href="${escapeHtml(links.discordUrl)}" rel="noopener noreferrer">le salon #beta-feedback sur Discord</a></li>`
      : '',
  ].filter(Boolean);
  if (items.length === 0)
    return "<p>Pour nous dire ce qui marche, ce qui coince ou ce qui manque, réponds simplement à l'e-mail d'invitation.</p>";
  return `<p>Pour nous dire ce qui marche, ce qui coince ou ce qui manque&nbsp;:</p>\n      <ul>\n        ${items.join('\n        ')}\n      </ul>`;
}

/**
 * GET /signup?invite=CODE: the signup form, same origin as the API, so it
 * needs no CORS. Strict CSP (no inline script or style, nothing from another
 * origin) and no referrer, so the code in the address bar never leaves for
 * another site; the feedback and Discord links are plain navigations.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify runs an async plugin to its end; a sync one would have to call done()
export async function signupRoutes(
  app: FastifyInstance,
  opts: { feedbackUrl: string | undefined; discordUrl: string | undefined; welcomeEmail: boolean },
): Promise<void> {
  const html = readFileSync(new URL('signup.html', publicDir), 'utf8').replace('{{next_steps}}', nextStepsHtml(opts));
  const js = readFileSync(new URL('signup.js', publicDir), 'utf8');
  const css = readFileSync(new URL('signup.css', publicDir), 'utf8');
  const headers = {
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    // frame-ancestors 'none' says the same to current browsers; this is for the ones that ignore it
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  app.get('/signup', async (_req, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(html));
  app.get('/signup.js', async (_req, reply) => reply.headers(headers).type('text/javascript; charset=utf-8').send(js));
  app.get('/signup.css', async (_req, reply) => reply.headers(headers).type('text/css; charset=utf-8').send(css));
}
