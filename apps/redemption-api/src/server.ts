import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Connection } from '@veza/invites-db';
import { InvitesDbError } from '@veza/invites-db';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { DEFAULTS } from './config.js';
import { ApiError, ERROR_MESSAGE, errorBody } from './errors.js';
import type { ErrorCode } from './errors.js';
import { accessLog } from './access-log.js';
import { corsHeaders, registerCorsPreflight } from './cors.js';
import { isDatabaseUnavailable } from './db-availability.js';
import { createMetrics, requestRecorder } from './metrics.js';
import type { Metrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { redactAddress, redactUrl } from './redact-url.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { inviteRoutes } from './routes/invites.js';
import { signupRoutes } from './routes/signup.js';

export interface ServerOptions {
  config: Readonly<Config>;
  conn: Connection;
  /** called after a redemption queued a welcome email (main.ts nudges the outbox loop) */
  onWelcomeQueued?: () => void;
  /** where the JSON logs go (default stdout); tests pass a stream to read them */
  logStream?: DestinationStream;
  /** the rate-limit store: by default shared through PostgreSQL on PostgreSQL, in memory on PGlite; the bench compares both on PostgreSQL */
  rateLimitStore?: 'memory' | 'postgres';
  /** a request (headers and body) that takes longer is answered 408 (DEFAULTS.requestTimeoutMs); tests shorten it */
  requestTimeoutMs?: number;
}

/**
 * How often Node looks for requests past their deadline: every 30 s by
 * default, so a 15 s deadline ended anywhere up to 45 s. Set on the server
 * before it listens.
 */
const REQUEST_TIMEOUT_CHECK_MS = 1_000;

export type Server = FastifyInstance & { metrics: Metrics; startDraining(): void; rateLimitStoreKind: 'memory' | 'postgres' };

/** The error code and message an error is answered with; unknown errors are INTERNAL. */
export function classify(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof InvitesDbError) {
    if (error.code === 'INVITES_CODE_MALFORMED') return { code: 'INVITE_MALFORMED', message: ERROR_MESSAGE.INVITE_MALFORMED };
    if (error.code === 'INVITES_INVALID_INPUT') return { code: 'REQUEST_INVALID', message: `The request is invalid: ${error.message}.` };
    if (error.code === 'INVITES_DB_UNREACHABLE' || error.code === 'INVITES_DB_READ_ONLY')
      return { code: 'DATABASE_UNAVAILABLE', message: ERROR_MESSAGE.DATABASE_UNAVAILABLE };
    if (error.code === 'INVITES_DB_NOT_MIGRATED') return { code: 'DATABASE_NOT_MIGRATED', message: ERROR_MESSAGE.DATABASE_NOT_MIGRATED };
  }
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  const fastifyCode = (error as Partial<FastifyError> | null)?.code;
  // A 4xx is the request's own failure, whatever its code: a client that hangs up mid-body is
  // Node's "aborted" with ECONNRESET, which is not the database's.
  const requestFailure = status !== undefined && status >= 400 && status < 500;
  if (!requestFailure && isDatabaseUnavailable(error)) return { code: 'DATABASE_UNAVAILABLE', message: ERROR_MESSAGE.DATABASE_UNAVAILABLE };
  if (status === 413) return { code: 'REQUEST_TOO_LARGE', message: ERROR_MESSAGE.REQUEST_TOO_LARGE };
  if (status === 415) return { code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE', message: ERROR_MESSAGE.REQUEST_UNSUPPORTED_MEDIA_TYPE };
  if (status === 429) return { code: 'RATE_LIMITED', message: ERROR_MESSAGE.RATE_LIMITED };
  if (requestFailure) {
    // Parser messages can quote the body (and so a code): answer with fixed ones.
    if (fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { code: 'REQUEST_INVALID', message: 'The request body is empty.' };
    if (error instanceof SyntaxError || fastifyCode === 'FST_ERR_CTP_INVALID_JSON_BODY')
      // fastify gives one code for both: JSON that does not parse, and JSON refused for prototype poisoning
      return { code: 'REQUEST_INVALID', message: 'The request body is not valid JSON, or has a "__proto__" or "constructor" key.' };
    return { code: 'REQUEST_INVALID', message: ERROR_MESSAGE.REQUEST_INVALID };
  }
  return { code: 'INTERNAL', message: ERROR_MESSAGE.INTERNAL };
}

function sendError(reply: FastifyReply, code: ErrorCode, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(new ApiError(code).statusCode).headers(headers).type('application/json; charset=utf-8').send(errorBody(code, message));
}

/** Route patterns as regexes, to tell 405 (known path, other method) from 404. */
function patternOf(url: string): RegExp {
  const escaped = url
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/:[A-Za-z0-9_]+/g, '[^/]+')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}/?$`);
}

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

/** Seconds a client should wait before retrying when the database is away: a restart or failover takes a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** A whole HTTP/1.1 error response in the API's one shape, for a socket that never reached fastify's routing; `no-store` as every answer. */
function rawErrorResponse(code: ErrorCode, extraHeaders = ''): string {
  const status = new ApiError(code).statusCode;
  const body = JSON.stringify(errorBody(code));
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
}

/**
 * How long a socket answered outside fastify (a parser error, a request past its deadline, CONNECT)
 * stays open after the answer, for the client to read it and close: destroyed at once, a socket with
 * unread bytes resets and the client can lose the answer; left to the client, one that never closes
 * its side (gone behind a NAT, or holding connections on purpose) kept a file descriptor for ever.
 */
export const ANSWERED_SOCKET_LINGER_MS = 2_000;

/** Sends a whole raw answer and ends the socket; destroys it if the client has not closed its side within the linger. */
function answerAndLetGo(socket: Socket, response: string): void {
  socket.end(response);
  const linger = setTimeout(() => socket.destroy(), ANSWERED_SOCKET_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/** Node's parser errors before any route: the API's error shape instead of fastify's default body. */
function clientErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'REQUEST_HEADERS_TOO_LARGE';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'REQUEST_INVALID';
}

/** The service's logger: JSON at the configured level, the Authorization header redacted, URLs with their code masked. */
export function loggerOptions(level: string, stream?: DestinationStream) {
  return {
    level,
    ...(stream ? { stream } : {}),
    // `req` needs no path of its own: its serializer keeps the method, the masked URL and the address,
    // never a header. (A `req.headers.authorization` path made pino copy and scan every access line's
    // `req`, about 3 µs of a lookup's 110.)
    redact: { paths: ['headers.authorization', 'authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: redactAddress(req.ip) }),
    },
  };
}

/** Builds the whole service on an open connection; the caller listens and closes. */
export async function buildServer(options: ServerOptions): Promise<Server> {
  const { config, conn } = options;
  const metrics = createMetrics();
  let draining = false;
  const rateLimitStore = options.rateLimitStore ?? (conn.kind === 'postgres' ? 'postgres' : 'memory');
  if (rateLimitStore === 'postgres' && conn.kind !== 'postgres') throw new Error('the shared rate-limit store needs PostgreSQL');

  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const addCorsHeaders = corsHeaders(config.corsOrigins);
  /** The headers of every answer fastify sends: its onSend hook below, and frameworkErrors, for which fastify runs no hook. */
  const everyAnswersHeaders = (req: FastifyRequest, reply: FastifyReply): void => {
    if (draining) void reply.header('connection', 'close');
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    addCorsHeaders(req, reply);
  };
  // the metrics and the access line of an answered request; set once the logger exists (below)
  let recordAndLog: (req: FastifyRequest, reply: FastifyReply) => void = () => undefined;
  const app = Fastify({
    logger: loggerOptions(config.logLevel, options.logStream),
    // fastify's two lines per request ("incoming request", "request completed") cost ~26 µs of a
    // ~140 µs lookup: one line when the response is sent (the onResponse hook below) carries both.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // a hop count becomes a function: fastify's types omit the number form that its docs describe
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Longer than any code a person could paste, so that junk reaches the route and gets INVITE_MALFORMED.
    // A trailing slash is the same route (`/signup/?invite=…`): the 405 check below already read it so,
    // and answered a GET of /signup/ 405 "Allow: GET, HEAD".
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
    // Router-level failures (a longer parameter, a bad %-escape) get the one error shape too.
    frameworkErrors: (error, req, reply) => {
      const underInvites = /^\/v1\/invites\/(?!redeem\/?(\?|$))/.test(req.url);
      const code: ErrorCode = underInvites && req.method === 'GET' ? 'INVITE_MALFORMED' : 'REQUEST_INVALID';
      req.log.info({ code, reason: error.code }, 'request refused');
      // fastify runs no onResponse hook for these: the access line and the count are written here (a flood
      // of bad escapes or long codes left neither, and its "request refused" lines named no URL nor client)
      reply.raw.once('finish', () => recordAndLog(req, reply));
      // nor onSend: Cache-Control, CORS and draining's Connection: close are set here (the first was missing)
      everyAnswersHeaders(req, reply);
      void sendError(reply, code, ERROR_MESSAGE[code]);
    },
    // A bad request line, an unknown method, oversized headers, a request past its deadline: Node refuses
    // them before fastify routes anything, so there is no access line; this one says who and why.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
      if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      const code = clientErrorCode(error);
      app.log.info({ code, reason: error.code, remoteAddress: socket.remoteAddress }, 'request refused');
      answerAndLetGo(socket, rawErrorResponse(code));
    },
    requestTimeout: requestTimeoutMs,
    // Requests that arrive on an open connection while closing are still served (fastify's 503 is not in our error shape).
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }) as unknown as Server;
  // Node enforces requestTimeout only when headersTimeout is not longer (fastify leaves Node's 60 s): a
  // body that never ended was cut after 60–90 s, and one trickling in never. Both are the request's deadline now.
  const http = app.server as unknown as { headersTimeout: number; connectionsCheckingInterval: number };
  http.headersTimeout = requestTimeoutMs;
  http.connectionsCheckingInterval = REQUEST_TIMEOUT_CHECK_MS;
  app.decorate('metrics', metrics);
  app.decorate('rateLimitStoreKind', rateLimitStore);
  app.decorate('startDraining', () => {
    draining = true;
  });

  const routes: { method: string; pattern: RegExp }[] = [];
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return; // the CORS preflight catch-all would make every path "known"
    for (const method of [route.method].flat()) routes.push({ method: String(method), pattern: patternOf(route.url) });
  });

  const recordRequest = requestRecorder(metrics);
  const logAccess = accessLog(app.log);
  recordAndLog = (req, reply) => {
    recordRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    logAccess(req, reply);
  };
  // One hook, callback style (no promise per request): the metrics and the one access line per request (src/access-log.ts).
  app.addHook('onResponse', (req, reply, done) => {
    recordAndLog(req, reply);
    done();
  });

  app.setErrorHandler((error, req, reply) => {
    const { code, message } = classify(error);
    const status = new ApiError(code).statusCode;
    if (status >= 500) req.log.error({ err: error, code }, 'request failed');
    else req.log.info({ code }, 'request refused');
    const headers =
      error instanceof ApiError
        ? error.headers
        : code === 'DATABASE_UNAVAILABLE'
          ? { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) }
          : {};
    return sendError(reply, code, message, headers);
  });

  // An Expect other than 100-continue: without a listener Node answers 417 itself (no body, no Cache-Control, no
  // access line). RFC 9110 lets a server ignore an expectation it does not know: the request is served as any other.
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res));

  // CONNECT never reaches fastify (Node emits 'connect' and, without a listener, drops the socket).
  app.server.on('connect', (_req, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    answerAndLetGo(socket, rawErrorResponse('METHOD_NOT_ALLOWED', 'Allow: GET, POST\r\n'));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = [...new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
    if (req.method === 'GET' && /^\/v1\/invites\/[^/]+$/.test(path))
      return sendError(reply, 'INVITE_MALFORMED', ERROR_MESSAGE.INVITE_MALFORMED);
    if (allowed.length > 0) return sendError(reply, 'METHOD_NOT_ALLOWED', ERROR_MESSAGE.METHOD_NOT_ALLOWED, { allow: allowed.join(', ') });
    return sendError(reply, 'NOT_FOUND', ERROR_MESSAGE.NOT_FOUND);
  });

  // CORS (src/cors.ts): the headers on every answer (everyAnswersHeaders); the preflight on any path, the route below.
  // Draining (SIGTERM): every answer says Connection: close, so a keep-alive connection (a reverse
  // proxy's) ends with the request it had in flight. fastify marks only requests that arrive after
  // close(); the others' connections stayed open, and the drain waited for them until SHUTDOWN_TIMEOUT_MS.
  // No answer is meant to be stored: a lookup's URL holds a code and its answer the masked address
  // (Chromium kept both in its disk cache), the admin report is behind a token. The page sets its own.
  app.addHook('onSend', (req, reply, payload, done) => {
    everyAnswersHeaders(req, reply);
    done(null, payload);
  });
  // An OPTIONS request is a CORS preflight, wherever it is sent; one without the preflight's
  // headers (Origin and Access-Control-Request-Method) is refused in the API's one error shape.
  registerCorsPreflight(app, (reply) =>
    sendError(
      reply,
      'REQUEST_INVALID',
      'An OPTIONS request here is a CORS preflight: it needs Origin and Access-Control-Request-Method headers.',
    ),
  );

  // JSON only: fastify's default text/plain parser would let a non-JSON body reach the routes.
  app.removeContentTypeParser('text/plain');

  await app.register(healthRoutes, { conn, metrics, draining: () => draining });
  await app.register(inviteRoutes, {
    config,
    conn,
    metrics,
    sharedRateLimit: rateLimitStore === 'postgres',
    onWelcomeQueued: options.onWelcomeQueued,
  });
  await app.register(adminRoutes, { config, conn });
  await app.register(signupRoutes, {
    feedbackUrl: config.feedbackUrl,
    discordUrl: config.discordUrl,
    welcomeEmail: config.welcome !== undefined,
  });
  const openapi = JSON.stringify(openApiDocument(), null, 2) + '\n';
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openapi));

  return app;
}
