import { InvalidOptionError } from './errors.js';

/** How a batch is sent; shared by invite dispatch and the welcome outbox. */
export interface SendOptions {
  /** emails per second, all workers of this process together */
  rate: number;
  /** attempts after the first, for temporary failures */
  retries: number;
  /** first backoff delay in milliseconds, doubled on each retry */
  retryDelayMs: number;
  /** stop after this many consecutive failures of one kind that are not about the recipient (FAIL_FAST_AFTER); 0 never stops */
  failFastAfter: number;
  /** also send the emails whose earlier send has an unknown outcome (its sender died mid-send): may send them twice */
  resendUnknown: boolean;
}

/** Every default in one place. */
export const SEND_DEFAULTS: Readonly<SendOptions> = Object.freeze({
  rate: 10, // emails per second: what a small relay accepts without throttling
  retries: 3,
  retryDelayMs: 1000, // ms, doubled on each retry: 1 s, 2 s, 4 s
  failFastAfter: 5, // consecutive failures of one kind
  resendUnknown: false,
});

/** Fills the defaults and checks the ranges; throws MAILER_INVALID_OPTION. */
export function sendOptions(input: Partial<SendOptions> = {}): SendOptions {
  const options = { ...SEND_DEFAULTS, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
  if (!Number.isFinite(options.rate) || options.rate <= 0) throw new InvalidOptionError('rate', 'a positive number of emails per second');
  if (!Number.isInteger(options.retries) || options.retries < 0) throw new InvalidOptionError('retries', 'a whole number, 0 or more');
  if (!Number.isFinite(options.retryDelayMs) || options.retryDelayMs < 0)
    throw new InvalidOptionError('retryDelayMs', 'milliseconds, 0 or more');
  if (!Number.isInteger(options.failFastAfter) || options.failFastAfter < 0)
    throw new InvalidOptionError('failFastAfter', 'a whole number of failures (0 never stops)');
  return options;
}
