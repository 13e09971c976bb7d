import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInAnswer {
  status?: number;
  json?: unknown;
  text?: string;
}
export type Route = (request: IncomingMessage, url: URL) => StandInAnswer;

export interface StandIn {
  url: string;
  /** every request seen: method, path with query, Authorization header */
  seen: { path: string; authorization: string | undefined }[];
  stop(): Promise<void>;
}

/**
 * One local HTTP server standing in for the launch-day APIs (PagerDuty,
 * Discord, Statuspage, Prometheus, a health endpoint, a form), in their real
 * formats, for CLI child-process tests that must stay offline. Routes are
 * matched on the path; anything else is 404.
 */
export async function startStandIn(routes: Record<string, Route>): Promise<StandIn> {
  const seen: StandIn['seen'] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    seen.push({ path: `${url.pathname}${url.search}`, authorization: request.headers.authorization });
    const route = routes[url.pathname];
    const answer = route ? route(request, url) : { status: 404, json: { message: 'not found' } };
    const body = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.text ?? '');
    response.writeHead(answer.status ?? 200, { 'content-type': answer.json !== undefined ? 'application/json' : 'text/html' });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Discord's public invite lookup, as discord.com answers it. */
export const discordInvite =
  (channel: string): Route =>
  () => ({
    json: {
      type: 0,
      code: 'veza',
      expires_at: null,
      guild: { id: '81384788765712384', name: 'Veza' },
      channel: { id: '81384788765712385', name: channel, type: 0 },
      approximate_member_count: 40,
    },
  });
