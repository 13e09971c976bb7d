import { isUuid } from './uuid.js';

describe('isUuid', () => {
  it.each(['0b7e3c52-9f1d-4d8a-a3c1-5e2f6b7a8c9d', '0B7E3C52-9F1D-4D8A-A3C1-5E2F6B7A8C9D', '00000000-0000-0000-0000-000000000000'])(
    'accepts %s',
    (value) => {
      expect(isUuid(value)).toBe(true);
    },
  );

  it.each([
    '',
    '0b7e3c529f1d4d8aa3c15e2f6b7a8c9d',
    '{0b7e3c52-9f1d-4d8a-a3c1-5e2f6b7a8c9d}',
    '0b7e3c52-9f1d-4d8a-a3c1-5e2f6b7a8c9',
    'ana@example.org',
  ])('refuses %j', (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
