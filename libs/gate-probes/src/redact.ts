const SECRET_PARAM = /token|key|secret|password|passwd|auth|signature|sig|code/i;

/**
 * A URL safe to print: password of the userinfo and the values of
 * secret-looking query parameters replaced by ***. Not a URL → returned as is
 * after the same treatment of any URL inside it.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    // Only a whole string that looks like scheme://… is a URL; "failed: postgres://…" is text quoting one.
    if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(raw)) throw new Error('text');
    url = new URL(raw);
  } catch {
    return raw.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@');
  }
  if (url.password) url.password = '***';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, '***');
  // URLSearchParams percent-encodes ':', '(', ')', '[' and ']': decode them back so a
  // Sentry or PromQL query stays readable; browsers and the APIs accept both forms.
  const readable: Record<string, string> = { '%3A': ':', '%28': '(', '%29': ')', '%5B': '[', '%5D': ']', '%2A': '*' };
  return url.toString().replace(/%(3A|28|29|5B|5D|2A)/gi, (m) => readable[m.toUpperCase()] ?? m);
}

/** A text with every URL in it redacted as redactUrl does (userinfo password, secret-looking query values). */
export function redactText(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (url) => redactUrl(url));
}

/**
 * The secret values a command line carries, to scrub from its output:
 * `PGPASSWORD=…`, `--repo1-cipher-pass=…` or `--token …` (secret-looking names), a URL's
 * password, an `Authorization: Bearer …` value.
 */
export function commandSecrets(cmd: string): string[] {
  const found: string[] = [];
  for (const m of cmd.matchAll(/([\w.-]+)(?:=|\s+(?=[^\s-]))['"]?([^\s'"&;|]+)/g))
    if (m[1] && m[2] && (SECRET_PARAM.test(m[1]) || /pass|pwd/i.test(m[1]))) found.push(m[2]);
  for (const m of cmd.matchAll(/:\/\/[^:/@\s]+:([^@\s'"]+)@/g)) if (m[1]) found.push(m[1]);
  for (const m of cmd.matchAll(/\b(?:Bearer|Basic|Bot|Token)\s+(?:token=)?([^\s'"]+)/gi)) if (m[1]) found.push(m[1]);
  return found;
}

/**
 * Replaces every occurrence of the given secrets in a JSON-able value. The
 * last line of defence: runGates passes every result through it with the
 * configured tokens, so a token echoed by an API (an error body, a URL) never
 * reaches a report.
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  // Secrets shorter than 4 characters would blank out ordinary words; tokens are far longer.
  // A token can come back percent-encoded too (in a URL an API built from it).
  const live = [...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [encodeURIComponent(s), s]))];
  if (live.length === 0) return value;
  const scrub = (text: string) => live.reduce((t, s) => t.split(s).join('***'), text);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
