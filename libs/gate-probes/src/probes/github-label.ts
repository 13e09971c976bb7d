import type { GithubTarget } from '../config.js';
import type { ProbeContext } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import type { RequestOptions } from '../request-json.js';
import { githubHeaders } from './github-headers.js';

/** The names in a `labels=` filter: GitHub reads commas as an AND of labels. */
export function labelNames(labels: string): string[] {
  return [...new Set(labels.split(',').map((l) => l.trim()))].filter((l) => l !== '');
}

/**
 * Ends the probe at ⚪ config when a label of the filter does not exist in the
 * repository: GitHub answers an unknown label with an empty list, which would
 * read as "no HIGH issue" (GATES.md: refuse to pass unknown labels). One
 * request per name, with the same token, origin and redirect rules as the
 * issues listing.
 */
export async function assertLabelsExist(
  ctx: ProbeContext,
  target: GithubTarget,
  labels: string,
  scope: Pick<RequestOptions, 'origin' | 'originSetting'>,
): Promise<void> {
  for (const name of labelNames(labels)) {
    await requestJson(ctx, `${target.apiUrl}/repos/${target.repo}/labels/${encodeURIComponent(name)}`, {
      headers: githubHeaders(target),
      ...scope,
      notFound: `label "${name}" does not exist in ${target.repo} (check HIGH_LABEL): an unknown label lists no issue`,
    });
  }
}
