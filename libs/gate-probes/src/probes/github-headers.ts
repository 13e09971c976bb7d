import type { GithubTarget } from '../config.js';

/** The headers GitHub's REST API documents; no Authorization without a token (public repositories). */
export function githubHeaders(target: GithubTarget): Record<string, string> {
  return {
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}),
  };
}
