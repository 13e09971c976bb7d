import { isRole, parseRole } from './role-rule.js';

describe('roles', () => {
  it('isRole takes the stored form only', () => {
    expect(isRole('creator')).toBe(true);
    expect(isRole('listener')).toBe(true);
    expect(isRole('Creator')).toBe(false);
    expect(isRole('fan')).toBe(false);
  });

  it.each([
    ['creator', 'creator'],
    ['LISTENER', 'listener'],
    [' Creator ', 'creator'],
    ['fan', null],
    ['', null],
  ])('parseRole(%j) → %j', (cell, role) => {
    expect(parseRole(cell)).toBe(role);
  });
});
