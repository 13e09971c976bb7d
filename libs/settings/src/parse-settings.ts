import type { Problem, Validation } from '@veza/invite-rules';
import type { z } from 'zod';

/** A zod object schema whose keys are variable names and whose inputs are the raw strings (or absent). */
export type SettingsSchema = z.ZodObject;

export interface ParseSettingsOptions {
  /** variables whose value never appears in a problem (tokens, URLs with a password): replaced by `***` */
  secrets?: readonly string[] | undefined;
  /** variables passed exactly as given instead of trimmed (a token whose spaces must be refused, not dropped) */
  untrimmed?: readonly string[] | undefined;
  /** append `(got "…")` to a problem that does not already show its (non-secret) value */
  showValues?: boolean | undefined;
}

/**
 * Validates the schema's variables in an environment: each key of the schema
 * is read from `env`, trimmed, blank counting as unset, and parsed; the
 * result lists every problem at once (`field` is the variable). Anything in
 * `env` the schema does not name is not read.
 */
export function parseSettings<S extends SettingsSchema>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
  options: ParseSettingsOptions = {},
): Validation<z.output<S>> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    picked[name] = options.untrimmed?.includes(name) ? raw : raw.trim();
  }
  const parsed = schema.safeParse(picked);
  if (parsed.success) return { ok: true, value: parsed.data, warnings: [] };
  const secrets = new Set(options.secrets ?? []);
  const values = [...secrets].map((name) => picked[name]).filter((v): v is string => v !== undefined && v.length > 0);
  // a URL's password alone, pasted into another variable, is hidden too (4 characters or more: shorter ones are
  // words); so is the password of a URL in any variable (CORS_ORIGINS=https://ops:pw@…: its message quoted it)
  const passwords = Object.values(picked).flatMap((value) =>
    // a list of URLs (CORS_ORIGINS): each entry's own; read whole, a span ran from the first entry to the last `@`
    value.split('://').length > 2 ? value.split(/[\s,]+/).flatMap(urlPasswordForms) : urlPasswordForms(value),
  );
  const hidden = [...values, ...passwords.filter((v) => v.length >= 4)].sort((a, b) => b.length - a.length);
  const problems = parsed.error.issues.map((issue): Problem => {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '(settings)';
    let message = issue.message;
    const value = picked[field];
    if (secrets.has(field)) message = message.replace(/"[^"]*"/g, '(value hidden)');
    else if (options.showValues && value !== undefined && !message.includes(value))
      message = `${message} (got ${JSON.stringify(maskUrlPassword(value))})`;
    // Last, so that nothing added above can bring a secret back (a secret pasted into another variable); and
    // every URL's user info and ?password=, wherever a message quotes one (a token given as the user name:
    // https://TOKEN@host).
    for (const secret of hidden) message = message.split(secret).join('***');
    message = hideUrlCredentials(message);
    return { field, message };
  });
  return { ok: false, problems, warnings: [] };
}

/**
 * Where the password of a URL's user info stands in `value`: from the first
 * `:` after `scheme://` to the end of the user info, its last `@` before the
 * query or fragment (`?application_name=a@b` is not the host), or, when none
 * is there, its last `@` at all (a password may hold an unencoded `?`, `#`,
 * `/` or `@`). Null when the value is no URL with a password.
 */
function passwordSpan(value: string): { from: number; to: number } | null {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) return null;
  const start = scheme[0].length;
  const rest = value.slice(start);
  const query = rest.search(/[?#]/);
  const before = query === -1 ? -1 : rest.lastIndexOf('@', query);
  const at = before !== -1 ? before : rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  return at === -1 || colon === -1 || colon > at ? null : { from: start + colon + 1, to: start + at };
}

/** The password of a URL's user info as written and percent-decoded; none when the value is no such URL. */
function urlPasswordForms(value: string): string[] {
  const span = passwordSpan(value);
  if (!span) return [];
  const raw = value.slice(span.from, span.to);
  try {
    return [raw, decodeURIComponent(raw)];
  } catch {
    return [raw];
  }
}

/**
 * A URL safe to show: the password of its user info replaced by `***`
 * (`https://ops:s3cret@host` → `https://ops:***@host`), and libpq's
 * `?password=` / `&sslpassword=` too. The user info ends at the last `@`
 * before the query (`passwordSpan`), so a password holding a space, a `/` or
 * an `@` that was not percent-encoded (postgres.js accepts those) is hidden
 * whole; a value that is no URL is returned as it is.
 */
export function maskUrlPassword(value: string): string {
  const span = passwordSpan(value);
  const masked = span ? `${value.slice(0, span.from)}***${value.slice(span.to)}` : value;
  return masked.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
}

/**
 * Text with the user info of every URL in it replaced by `***` (`https://ops:pw@host` → `https://***@host`,
 * `https://TOKEN@host` → `https://***@host`), and libpq's `?password=` / `&sslpassword=`: for a problem's
 * message, which may quote a setting's value or a part of it. A URL ends at whitespace, a quote or a comma (a
 * list's next entry); its user info at its last `@` before the query or fragment, or its last `@` at all
 * (passwordSpan's rule).
 */
function hideUrlCredentials(text: string): string {
  return text
    .replace(/([?&](?:ssl)?password=)[^&#\s"',]*/gi, '$1***')
    .replace(/([a-z][a-z0-9+.-]*:\/\/)([^\s"',]*)/gi, (whole: string, scheme: string, rest: string) => {
      const query = rest.search(/[?#]/);
      const before = query === -1 ? -1 : rest.lastIndexOf('@', query);
      const at = before !== -1 ? before : rest.lastIndexOf('@');
      return at === -1 ? whole : `${scheme}***${rest.slice(at)}`;
    });
}
