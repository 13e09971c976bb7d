/* global document, window, fetch, URLSearchParams -- a browser script, served as is */
// The signup flow: the code comes pre-filled from ?invite=, is checked
// (GET /v1/invites/{code}) without being consumed, and redeemed once on submit
// (POST /v1/invites/redeem). Every API error code has a message a person understands.
'use strict';

// Tutoiement, as in the invitation email.
const MESSAGES = {
  INVITE_MALFORMED: "Ce code n'a pas le bon format : 16 lettres et chiffres, par exemple XXXX-XXXX-XXXX-XXXX.",
  INVITE_UNKNOWN: "Ce code d'invitation n'existe pas. Vérifie-le dans ton e-mail.",
  INVITE_USED: 'Ce code a déjà été utilisé.',
  INVITE_EXPIRED: "Cette invitation a expiré. Réponds à l'e-mail d'invitation et on t'en enverra une autre.",
  INVITE_REVOKED: 'Cette invitation a été annulée.',
  RATE_LIMITED: 'Trop de tentatives. Réessaie dans une minute.',
  DATABASE_UNAVAILABLE: 'Le service est momentanément indisponible. Réessaie dans quelques instants.',
  DATABASE_NOT_MIGRATED: 'Le service est momentanément indisponible. Réessaie dans quelques instants.',
  SHUTTING_DOWN: 'Le service redémarre. Réessaie dans quelques instants.',
};
const FALLBACK = "Une erreur inattendue s'est produite. Réessaie plus tard.";

const form = document.getElementById('signup');
const input = document.getElementById('code');
const button = document.getElementById('submit');
const message = document.getElementById('message');
const start = document.getElementById('start');
const next = document.getElementById('next');
const title = document.getElementById('title');

function show(kind, text) {
  message.dataset.kind = kind;
  message.textContent = text;
}

function errorText(body) {
  const code = body && body.error && body.error.code;
  return MESSAGES[code] || FALLBACK;
}

async function call(method, path, payload) {
  const response = await fetch(path, {
    method,
    headers: payload ? { 'content-type': 'application/json' } : {},
    body: payload ? JSON.stringify(payload) : undefined,
  });
  const body = await response.json().catch(() => null);
  return { ok: response.ok, body };
}

function syncButton() {
  button.disabled = input.value.trim() === '';
}

async function check(code) {
  try {
    const { ok, body } = await call('GET', `/v1/invites/${encodeURIComponent(code)}`);
    if (ok) show('ok', `Invitation valide (${body.invite.cohort}), pour ${body.invite.email}.`);
    else show('error', errorText(body));
  } catch {
    show('error', FALLBACK);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = input.value.trim();
  if (!code) {
    show('error', "Saisis ton code d'invitation.");
    input.focus();
    return;
  }
  button.disabled = true;
  try {
    const { ok, body } = await call('POST', '/v1/invites/redeem', { code });
    if (ok) {
      // What comes next replaces the form: the feedback form and Discord links, from the configuration.
      start.hidden = true;
      next.hidden = false;
      title.textContent = 'Bienvenue dans la bêta de Veza\u00a0!';
      show('ok', 'Ton invitation est confirmée.');
      title.focus();
    } else show('error', errorText(body));
  } catch {
    show('error', FALLBACK);
  } finally {
    syncButton();
  }
});

input.addEventListener('input', syncButton);
const fromLink = new URLSearchParams(window.location.search).get('invite');
if (fromLink) {
  input.value = fromLink;
  // The code no longer needs to sit in the address bar (history, screenshots).
  window.history.replaceState(null, '', window.location.pathname);
  void check(fromLink.trim());
} else {
  show('error', "Il faut un code d'invitation pour t'inscrire : ouvre le lien reçu par e-mail ou colle le code ci-dessus.");
}
syncButton();
