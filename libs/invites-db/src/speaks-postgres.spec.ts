import { describe, expect, it } from '@jest/globals';
import postgres from 'postgres';
import { probeEndpoint } from './speaks-postgres.js';

/** The port postgres.js connects to for this URL, with `PGPORT` as given (it reads process.env). */
function postgresJsPort(url: string, pgport: string | undefined): number {
  const saved = process.env['PGPORT'];
  if (pgport === undefined) delete process.env['PGPORT'];
  else process.env['PGPORT'] = pgport;
  try {
    return (postgres(url).options as unknown as { port: number[] }).port[0]!;
  } finally {
    if (saved === undefined) delete process.env['PGPORT'];
    else process.env['PGPORT'] = saved;
  }
}

describe('probeEndpoint: the server the first check (and the stall watch) reaches is the one postgres.js connects to', () => {
  it('a URL without a port is on PGPORT when set (the check went to 5432: "unreachable", or another server answering for it)', () => {
    const url = 'postgres://veza@db.example/veza';
    expect(probeEndpoint(url, null, { PGPORT: '6543' })).toEqual({ host: 'db.example', port: postgresJsPort(url, '6543') });
    expect(probeEndpoint(url, null, { PGPORT: '6543' })).toEqual({ host: 'db.example', port: 6543 });
    expect(probeEndpoint(url, null, {})).toEqual({ host: 'db.example', port: postgresJsPort(url, undefined) });
    expect(probeEndpoint(url, null, {})).toEqual({ host: 'db.example', port: 5432 });
  });

  it("the URL's own port wins over PGPORT, as in postgres.js", () => {
    const url = 'postgres://veza@db.example:7000/veza';
    expect(probeEndpoint(url, null, { PGPORT: '6543' })).toEqual({ host: 'db.example', port: postgresJsPort(url, '6543') });
    expect(probeEndpoint(url, null, { PGPORT: '6543' })).toEqual({ host: 'db.example', port: 7000 });
  });

  it('a PGPORT that is not a port is left to postgres.js (no check on a guessed port)', () => {
    expect(probeEndpoint('postgres://veza@db.example/veza', null, { PGPORT: 'abc' })).toBeNull();
  });
});
