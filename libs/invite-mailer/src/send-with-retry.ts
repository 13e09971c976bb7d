import type { Envelope, SendResult, Transport } from './transport.js';

export interface RetryOptions {
  /** attempts after the first, for temporary failures */
  retries: number;
  /** first backoff delay in milliseconds, doubled on each retry */
  retryDelayMs: number;
}

/** Sends, retrying temporary failures with backoff (never an unknown outcome); the response notes the earlier attempts. */
export async function sendWithRetry(transport: Transport, eml: Buffer, envelope: Envelope, options: RetryOptions): Promise<SendResult> {
  let result = await transport.send(eml, envelope);
  const earlier: string[] = [];
  for (let attempt = 1; !result.ok && result.temporary && !result.unknown && attempt <= options.retries; attempt++) {
    earlier.push(result.response);
    await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs * 2 ** (attempt - 1)));
    result = await transport.send(eml, envelope);
  }
  if (earlier.length === 0) return result;
  return { ...result, response: `${result.response} (attempt ${earlier.length + 1}; before: ${earlier.join(' | ')})` };
}
