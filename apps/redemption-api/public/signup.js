/* global document, window, fetch, AbortController, URLSearchParams -- a browser script, served as is */
// The signup flow: the code comes pre-filled from ?invite=, is checked
// (GET /v1/invites/{code}) without being consumed, and redeemed once on submit
// (POST /v1/invites/redeem). Every API error code has a message a person understands,
// and each one says what to do next.
'use strict';

// Tutoiement, as in the invitation email; "réponds simplement" is the email's own way to reach us.
const WRITE_TO_US = "réponds simplement à l'e-mail d'invitation";
const MESSAGES = {
  INVITE_MALFORMED:
    "Ce code n'a pas le bon format\u00a0: il a 16 lettres et chiffres, comme XXXX-XXXX-XXXX-XXXX. Copie-le depuis l'e-mail d'invitation et colle-le ci-dessus.",
  INVITE_UNKNOWN: `On ne trouve pas ce code d'invitation. Vérifie-le dans ton e-mail\u00a0; si ça ne marche toujours pas, ${WRITE_TO_US} et on regardera.`,
  INVITE_USED: `Ce code a déjà été utilisé. Si c'est toi qui l'as activé (dans un autre onglet, par exemple), tout va bien\u00a0: tu fais déjà partie de la bêta. Sinon, ${WRITE_TO_US} et on regardera.`,
  INVITE_EXPIRED: `Cette invitation a expiré. Si tu as toujours envie d'essayer, ${WRITE_TO_US} et on t'en enverra une autre.`,
  INVITE_REVOKED: `Cette invitation a été annulée. Si tu penses que c'est une erreur, ${WRITE_TO_US} et on regardera.`,
  RATE_LIMITED: 'Trop de tentatives en peu de temps. Attends une minute, puis réessaie.',
  DATABASE_UNAVAILABLE: 'Le service est momentanément indisponible. Réessaie dans quelques instants.',
  DATABASE_NOT_MIGRATED: 'Le service est momentanément indisponible. Réessaie dans quelques instants.',
  SHUTTING_DOWN: 'Le service redémarre. Réessaie dans quelques instants.',
};
const FALLBACK = `Une erreur inattendue s'est produite. Réessaie dans quelques instants\u00a0; si ça continue, ${WRITE_TO_US}.`;
const OFFLINE = 'Impossible de joindre Veza\u00a0: vérifie ta connexion internet, puis réessaie.';
const CHECK_TIMEOUT = "Veza ne répond pas pour l'instant. Réessaie dans quelques instants.";
// A redeem without an answer may have gone through: say so, and what a retry will then say.
const REDEEM_TIMEOUT =
  "Veza n'a pas répondu à temps\u00a0: on ne sait pas si ton invitation a été activée. Réessaie dans quelques instants\u00a0; si on te dit alors que le code a déjà été utilisé, c'est que c'est bon.";
// Longer than the API's own deadline on the database (6 s, then 503): past it, a proxy or the network holds the request.
const DEADLINE_MS = 12000;

const form = document.getElementById('signup');
const input = document.getElementById('code');
const button = document.getElementById('submit');
const message = document.getElementById('message');
const start = document.getElementById('start');
const next = document.getElementById('next');
const title = document.getElementById('title');
let redeeming = false;
// Set by the first submit: from then on the redeem's answers are the ones that count, not the check on load's.
let submitted = false;

function show(kind, text) {
  message.dataset.kind = kind;
  message.textContent = text;
}

/** The message for an answer that is not a success: by the API's code, or by the status of a proxy's own page. */
function errorText(status, code) {
  if (MESSAGES[code]) return MESSAGES[code];
  if (status === 429) return MESSAGES.RATE_LIMITED;
  if (status === 502 || status === 503 || status === 504) return MESSAGES.DATABASE_UNAVAILABLE;
  return FALLBACK;
}

/** A request with a deadline of its own: { status, ok, body }, or { failure: 'timeout' | 'offline' }. */
async function call(method, path, payload) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), DEADLINE_MS);
  try {
    const response = await fetch(path, {
      method,
      headers: payload ? { 'content-type': 'application/json' } : {},
      body: payload ? JSON.stringify(payload) : undefined,
      cache: 'no-store',
      signal: controller.signal,
    });
    const body = await response.json().catch(() => null);
    // A success is the API's own answer ({ invite }): a 200 from something else (the frontend's page for a path
    // the proxy did not send to the API, a body cut at the deadline) is no lookup and no redemption.
    const ok = response.ok && body !== null && typeof body === 'object' && typeof body.invite === 'object' && body.invite !== null;
    return { status: response.status, ok, body };
  } catch {
    return { failure: controller.signal.aborted ? 'timeout' : 'offline' };
  } finally {
    clearTimeout(timer);
  }
}

/** A code is 16 letters and digits (and separators). */
const CODE_LENGTH = 16;
const codeCharacters = (text) => (text.match(/[\p{L}\p{N}]/gu) || []).length;

/**
 * The code as read from a link or a paste: a code is letters, digits and separators only, so
 * what surrounds it in a copy (a sentence's full stop, the `>` of `<lien>`, quotes, brackets) goes,
 * and so does a fragment after it (`#…`, or `%23…` once decoded: a code has no `#`).
 * Pasted into the field, the whole link gives what follows `invite=`, and the email's line
 * "Ton code d'invitation : XXXX-…" what follows the colon (a code has none).
 * A link a plain-text mail program wrapped over two lines is joined when the two parts make exactly one code.
 * Quoted-printable shown as it is (a mail program that does not decode it) writes `invite=` as
 * `invite=3D` and ends a wrapped line with a soft `=`: the `3D` is dropped, and the `=` with it,
 * only when exactly a code's 16 letters and digits follow it (a code may itself start with 3D).
 */
function cleanCode(text) {
  // Raw quoted-printable (`=3D`): a soft line break is `=` and the end of the line (a space once pasted into the field).
  let value = /=3D/i.test(text) ? text.replace(/=\s+/g, '') : text;
  const link = /[?&](?:amp;)*invite=([^&#\s]*)(\s+[\p{L}\p{N}-]+)?/iu.exec(value);
  if (link) {
    // A link wrapped over two lines: the next line's characters belong to it when they make up exactly a code.
    const wrapped = link[2] && codeCharacters(link[1]) + codeCharacters(link[2]) === CODE_LENGTH ? link[2].trim() : '';
    try {
      value = decodeURIComponent((link[1] + wrapped).replace(/\+/g, ' '));
    } catch {
      value = link[1] + wrapped;
    }
  } else if (value.includes(':')) value = value.slice(value.lastIndexOf(':') + 1);
  value = value
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .split('#')[0]
    .replace(/[^\p{L}\p{N}]+$/u, '');
  if (/^3D/i.test(value) && !/[^\p{L}\p{N}\s=-]/u.test(value) && codeCharacters(value) === CODE_LENGTH + 2)
    value = value.slice(2).replace(/=/g, '');
  return value;
}

/** ?invite= as mail software may have rewritten it: any case, or after an HTML-escaped `&amp;`; or after a `#`. */
function codeFromLink() {
  for (const part of [window.location.search, window.location.hash.slice(1)]) {
    for (const [name, value] of new URLSearchParams(part)) {
      if (/^(amp;)*invite$/i.test(name) && value.trim() !== '') return value;
    }
  }
  return null;
}

function syncButton() {
  button.disabled = redeeming || cleanCode(input.value) === '';
}

function showWelcome() {
  // What comes next replaces the form: the feedback form and Discord links, from the configuration.
  start.hidden = true;
  next.hidden = false;
  title.textContent = 'Bienvenue dans la bêta de Veza\u00a0!';
  show('ok', 'Ton invitation est confirmée.');
}

/** An error; `aboutCode` when the code itself is refused (not when the service or the network fails). */
function showError(text, aboutCode) {
  show('error', text);
  if (aboutCode) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** A refusal by the API (or a proxy's own page): the message, marking the field when the code is the problem. */
function showRefusal(answer) {
  const code = answer.body && answer.body.error && answer.body.error.code;
  showError(errorText(answer.status, code), typeof code === 'string' && code.startsWith('INVITE_'));
}

async function check(code) {
  show('busy', 'Vérification de ton code…');
  const answer = await call('GET', `/v1/invites/${encodeURIComponent(code)}`);
  // A submit started meanwhile, whether it is still going, failed or succeeded: its answer is the one that counts
  // (this one may say "already used" over the welcome, or "valid" over the redeem's refusal). The welcome shown
  // at load (a reload after the redeem) starts no check.
  if (submitted) return;
  if (answer.failure) showError(answer.failure === 'timeout' ? CHECK_TIMEOUT : OFFLINE, false);
  else if (answer.ok) show('ok', `Invitation valide, pour ${answer.body.invite.email}.`);
  else showRefusal(answer);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (redeeming) return;
  const code = cleanCode(input.value);
  input.value = code; // what is sent, when a link or a line was pasted
  if (!code) {
    showError("Saisis ton code d'invitation.", true);
    input.focus();
    return;
  }
  redeeming = true;
  submitted = true;
  syncButton();
  input.removeAttribute('aria-invalid');
  show('busy', 'Activation de ton invitation…');
  const answer = await call('POST', '/v1/invites/redeem', { code });
  redeeming = false;
  if (answer.ok) {
    // A reload or a return to this page shows the welcome again, not an empty form (the code is spent).
    window.history.replaceState({ redeemed: true }, '', window.location.pathname);
    showWelcome();
    title.focus();
    return;
  }
  if (answer.failure) showError(answer.failure === 'timeout' ? REDEEM_TIMEOUT : OFFLINE, false);
  else showRefusal(answer);
  syncButton();
  // The button was disabled under the keyboard's focus: give it to the field, which the message describes.
  input.focus();
});

input.addEventListener('input', () => {
  input.removeAttribute('aria-invalid');
  syncButton();
  // What the person typed or pasted is what a reload brings back, not the link's code it replaced.
  window.history.replaceState(input.value ? { invite: input.value } : null, '', window.location.pathname);
});

const state = window.history.state || {};
// From the link, or from this tab's history entry after a reload (the address bar no longer has it).
const initial = cleanCode(codeFromLink() || state.invite || '');
if (state.redeemed) {
  showWelcome();
} else if (initial) {
  input.value = initial;
  // The code no longer needs to sit in the address bar (history, screenshots); this tab's own
  // history entry keeps it, so that a reload does not empty the form.
  window.history.replaceState({ invite: initial }, '', window.location.pathname);
  void check(initial);
} else {
  show('error', "Il faut un code d'invitation pour t'inscrire\u00a0: ouvre le lien reçu par e-mail ou colle le code ci-dessus.");
}
syncButton();
