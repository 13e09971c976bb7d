import { testBackends } from './testing.js';

describe('testBackends (@veza/invites-db/testing, used by a backend as well)', () => {
  it("under CI without TEST_DATABASE_URL says what to set, in a backend's terms: it has no tools/with-postgres.sh", () => {
    // before: "run the tests through tools/with-postgres.sh (npm test)", a script only this workspace has
    expect(() => testBackends({ CI: 'true' })).toThrow(/set TEST_DATABASE_URL to a PostgreSQL URL whose role may create databases/);
    expect(() => testBackends({ CI: 'true' })).toThrow(/testBackends\(\{\}\) for the embedded database alone/);
  });

  it('the embedded database alone without the URL outside CI, and PostgreSQL beside it with the URL', () => {
    expect(testBackends({}).map((backend) => backend.name)).toEqual(['pglite']);
    expect(testBackends({ CI: 'true', TEST_DATABASE_URL: 'postgres://u@127.0.0.1:1/x' }).map((backend) => backend.name)).toEqual([
      'pglite',
      'postgres',
    ]);
  });
});
