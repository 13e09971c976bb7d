import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { jsonString } from './json-string.js';
import { redactAddress, redactUrl } from './redact-url.js';

// pino's own symbols (its types list only some of them)
const symbols = pino.symbols as unknown as Record<
  | 'chindingsSym'
  | 'streamSym'
  | 'needsMetadataGsym'
  | 'mixinSym'
  | 'formattersSym'
  | 'hooksSym'
  | 'msgPrefixSym'
  | 'messageKeySym'
  | 'lsCacheSym'
  | 'timeSym',
  symbol
>;

export type AccessLog = (req: FastifyRequest, reply: FastifyReply) => void;

const MESSAGE = 'request completed';

/** pino's way: the request's child logger and the `req` serializer (method, redacted URL, address). */
const throughPino: AccessLog = (req, reply) => {
  req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, MESSAGE);
};

const noLine: AccessLog = () => undefined;

/** A number as JSON.stringify (and pino) write it: null when not finite. */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/**
 * The one access line per request, when its response is sent (fastify's own
 * request logging is off): the method, the redacted URL and the client address,
 * the status code, the time in milliseconds. No header, and never the code
 * (redactUrl; redactAddress for an address a client wrote itself).
 *
 * The line is the one pino wrote for `req.log.info({ req, res: reply,
 * responseTime }, 'request completed')`, the same bytes in the same order (level,
 * time, pid, hostname, reqId, req, res, responseTime, msg), written here straight
 * to the logger's destination: pino's generic path (the request's bindings, each
 * key's serializer and stringifier) made the line cost 3.2–3.5 µs in a loop,
 * against 2.1–2.3 µs now (most of it redactUrl).
 * __tests__/access-log.integration.spec.ts compares the two. A logger set up in a
 * way this writer does not reproduce (a mixin, `formatters.log`, a `streamWrite`
 * hook, a message prefix or key, a multistream) keeps pino's path. The level is
 * read once, when the server is built (nothing changes it later): below info
 * there is no line.
 */
export function accessLog(log: FastifyBaseLogger): AccessLog {
  const logger = log as unknown as Logger & Record<symbol, unknown>;
  if (!logger.isLevelEnabled('info')) return noLine;
  const stream = logger[symbols.streamSym] as (DestinationStream & Record<symbol, unknown>) | undefined;
  const formatters = logger[symbols.formattersSym] as { log?: unknown } | undefined;
  const hooks = logger[symbols.hooksSym] as { streamWrite?: unknown } | undefined;
  // the level and the time as pino writes them (its level formatter, its timestamp function)
  const level = (logger[symbols.lsCacheSym] as Record<number, string> | undefined)?.[logger.levels.values['info']!];
  const time = logger[symbols.timeSym] as (() => string) | undefined;
  const bindings = logger[symbols.chindingsSym];
  if (
    stream === undefined ||
    stream[symbols.needsMetadataGsym] === true ||
    logger[symbols.mixinSym] ||
    logger[symbols.msgPrefixSym] ||
    logger[symbols.messageKeySym] !== 'msg' ||
    formatters?.log !== undefined ||
    hooks?.streamWrite !== undefined ||
    typeof level !== 'string' ||
    typeof time !== 'function' ||
    typeof bindings !== 'string'
  )
    return throughPino;
  const tail = `,"msg":${JSON.stringify(MESSAGE)}}\n`;
  return (req, reply) => {
    const ip = req.ip;
    const address = ip === undefined ? '' : `,"remoteAddress":${jsonString(redactAddress(ip))}`;
    stream.write(
      `${level}${time()}${bindings},"reqId":${jsonString(req.id)},"req":{"method":${jsonString(req.method)},"url":${jsonString(redactUrl(req.url))}${address}},"res":{"statusCode":${reply.statusCode}},"responseTime":${jsonNumber(reply.elapsedTime)}${tail}`,
    );
  };
}
