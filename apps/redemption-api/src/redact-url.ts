/**
 * A request URL safe to log: the segment after /v1/invites/ (a code, unless it
 * is the redeem route) and every query value (/signup?invite=CODE) are hidden.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const safePath = path.replace(/^(\/v1\/invites\/)(?!redeem\/?$)[^/]+/i, '$1[redacted]');
  if (!query) return safePath + (q === -1 ? '' : '?');
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? '[redacted]' : `${pair.slice(0, eq)}=[redacted]`;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}
