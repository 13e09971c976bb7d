/**
 * fetch with a deadline held by a timer this function owns and clears (Node
 * 20 can collect an AbortSignal.timeout() and never fire it). The body is
 * read inside the same deadline, so a server that stalls mid-body cannot hold
 * the caller.
 */
export async function fetchWithin(url: string, init: RequestInit, ms: number): Promise<{ status: number; ok: boolean; text: string }> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(Object.assign(new Error(`no answer from ${url} within ${ms} ms`), { name: 'TimeoutError' })),
    ms,
  );
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    return { status: response.status, ok: response.ok, text: await response.text() };
  } finally {
    clearTimeout(timer);
  }
}
