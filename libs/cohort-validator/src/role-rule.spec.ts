import { classifyRow, roleFromLabel } from './role-rule.js';

describe('roleFromLabel', () => {
  it.each([
    ['creators-2026', 'creator'],
    ['Creator', 'creator'],
    ['artist:paris', 'creator'],
    ['ARTISTS/partners', 'creator'],
    ['listeners-paris', 'listener'],
    ['listener.lyon', 'listener'],
    ['fans_discord', 'listener'],
    ['fan 2026', 'listener'],
    ['press-2026', null],
    ['creatorsclub', null],
    ['2026-creators', null],
    ['constructor', null],
  ])('%s → %s', (label, role) => {
    expect(roleFromLabel(label)).toBe(role);
  });
});

describe('classifyRow', () => {
  it('the role cell wins over the label', () => {
    expect(classifyRow('Listener', 'creators-2026')).toEqual({ role: 'listener', source: 'column' });
  });

  it('an empty role cell, or no role column, falls back to the label rule', () => {
    expect(classifyRow('', 'fans')).toEqual({ role: 'listener', source: 'label' });
    expect(classifyRow(undefined, 'press')).toBeNull();
  });
});
