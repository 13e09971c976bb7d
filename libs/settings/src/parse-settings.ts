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
  // a URL's password alone, pasted into another variable, is hidden too (4 characters or more: shorter ones are words)
  const hidden = [...values, ...values.flatMap(urlPasswordForms).filter((v) => v.length >= 4)].sort((a, b) => b.length - a.length);
  const problems = parsed.error.issues.map((issue): Problem => {
    const field = issue.path.length > 0 ? String(issue.path[0]) : '(settings)';
    let message = issue.message;
    const value = picked[field];
    if (secrets.has(field)) message = message.replace(/"[^"]*"/g, '(value hidden)');
    else if (options.showValues && value !== undefined && !message.includes(value))
      message = `${message} (got ${JSON.stringify(maskUrlPassword(value))})`;
    // Last, so that nothing added above can bring a secret back (a secret pasted into another variable).
    for (const secret of hidden) message = message.split(secret).join('***');
    return { field, message };
  });
  return { ok: false, problems, warnings: [] };
}

/**
 * Where the user info of a URL's text after `scheme://` ends: its last `@`
 * before the query or fragment (`?application_name=a@b` is not the host), or,
 * when none is there, its last `@` at all (a password may hold an unencoded
 * `?`, `#`, `/` or `@`). -1 without one.
 */
function userInfoEnd(rest: string): number {
  const query = rest.search(/[?#]/);
  const before = query === -1 ? -1 : rest.lastIndexOf('@', query);
  return before !== -1 ? before : rest.lastIndexOf('@');
}

/** The password of a URL's user info as written and percent-decoded; none when the value is no such URL. */
function urlPasswordForms(value: string): string[] {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) return [];
  const rest = value.slice(scheme[0].length);
  const at = userInfoEnd(rest);
  const colon = rest.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return [];
  const raw = rest.slice(colon + 1, at);
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
 * before the query (`userInfoEnd`), so a password holding a space, a `/` or
 * an `@` that was not percent-encoded (postgres.js accepts those) is hidden
 * whole; a value that is no URL is returned as it is.
 */
export function maskUrlPassword(value: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) return value;
  const start = scheme[0].length;
  const rest = value.slice(start);
  const at = userInfoEnd(rest);
  const colon = rest.indexOf(':');
  const masked = at !== -1 && colon !== -1 && colon < at ? `${value.slice(0, start + colon + 1)}***${value.slice(start + at)}` : value;
  return masked.replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
}
