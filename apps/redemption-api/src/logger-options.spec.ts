import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { loggerOptions } from './server.js';

const SECRET = 'Bearer s3cret-admin-token';

describe('loggerOptions', () => {
  it('keeps the Authorization header and the code out of every line that carries a request or headers', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const app = Fastify({ logger: loggerOptions('info', stream) });
    app.get('/v1/invites/:code', (req, reply) => {
      req.log.info({ req }, 'the request itself');
      req.log.info({ headers: req.headers }, 'its headers');
      req.log.info({ authorization: req.headers.authorization }, 'the header alone');
      void reply.send({});
    });
    try {
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fetch(`${base}/v1/invites/7K3M-Q9ZD-1XWN-4T8R`, { headers: { authorization: SECRET } });
      expect(res.status).toBe(200);
    } finally {
      await app.close();
    }
    const ours = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => /^(the|its)/.test(String(l['msg'])));
    expect(ours).toHaveLength(3);
    expect(ours[0]!['req']).toEqual({ method: 'GET', url: '/v1/invites/[redacted]', remoteAddress: '127.0.0.1' });
    expect((ours[1]!['headers'] as Record<string, unknown>)['authorization']).toBe('[redacted]');
    expect(ours[2]!['authorization']).toBe('[redacted]');
    expect(lines.join('')).not.toContain('s3cret');
    expect(lines.join('')).not.toContain('7K3M');
  });
});
