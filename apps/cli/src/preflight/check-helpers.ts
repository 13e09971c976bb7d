import { ExitError } from '../exit-error.js';
import { fetchWithin } from '../fetch-within.js';
import type { ChecklistItem } from './checklist.js';

export type Check = Omit<ChecklistItem, 'section'>;

export const pass = (title: string, detail: string): Check => ({ title, status: 'pass', detail });
export const fail = (title: string, detail: string, fix: string): Check => ({ title, status: 'fail', detail, fix });
export const skipped = (title: string, fix: string): Check => ({ title, status: 'skipped', detail: 'not checked', fix });
export const manual = (title: string, detail: string): Check => ({ title, status: 'manual', detail });

/**
 * Runs a check; an exception becomes a failed item with its message (never a
 * crash of the whole checklist), except the operator's Ctrl-C (an ExitError
 * with 130): preflight stops there.
 */
export async function guarded(title: string, fix: string, check: () => Promise<Check | Check[]>): Promise<Check[]> {
  try {
    const result = await check();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    if (error instanceof ExitError && error.exitCode === 130) throw error;
    const e = error as { code?: string; message?: string };
    return [fail(title, `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`, fix)];
  }
}

export interface HttpAnswer {
  status: number;
  body: { error?: { code?: string; message?: string }; [key: string]: unknown } | null;
}

/** A JSON request to the redemption API, 10 s at most. */
export async function callApi(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetchWithin(
    url,
    { ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) } },
    10_000,
  );
  const text = response.text;
  let body: HttpAnswer['body'] = null;
  try {
    body = text ? (JSON.parse(text) as HttpAnswer['body']) : null;
  } catch {
    body = null;
  }
  return { status: response.status, body };
}
