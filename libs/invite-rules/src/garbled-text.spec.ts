import { garbledTextProblem } from './garbled-text.js';

describe('garbledTextProblem', () => {
  it.each([
    'Élodie Dupré',
    'Zoë d’Arc-Lefèvre',
    'François Œuvrard',
    'JOÃO São',
    'Ãngel',
    'l·l Català',
    'Ça, ©2026 «Veza»',
    '山田 太郎',
    'نور الهدى',
    'Zoé 🎧 👩🏽‍🎤',
    'Ana',
    '',
    // an accented capital before an en dash, a no-break space, a guillemet or a Š is valid UTF-8 too, and a name
    'JOSÉ–MARÍA',
    'RENÉ\u00a0DUPONT',
    '«JOSÉ» Ñoño',
    'VÍŠEK',
    'GUÐMUNDUR Ø. BJÖRK',
    'Øyvind «Ø» Ås',
    // Ä, Ã, Å are name leads, and a capital one before a no-break space or a guillemet is such a pair too: a
    // letter no pair explains (the first Ä, before K) says the text never went through the wrong encoding
    'MÄKELÄ\u00a0Anna',
    '«SEPPÄLÄ» Aino',
    'Åsa «HÅ»\u00a0LUNDQVIST',
  ])('accepts %j', (text) => {
    expect(garbledTextProblem(text)).toBeNull();
  });

  // UTF-8 read as Windows-1252, as Excel shows a CSV UTF-8 file without its byte order mark (written out:
  // Node 20's TextDecoder reads windows-1252 as Latin-1, C1 controls for 0x80–0x9F)
  it.each([
    ['Ã‰lodie DuprÃ©', 'Ã‰', 'É'],
    ['ZoÃ« d’Arc', 'Ã«', 'ë'],
    ['dâ€™Arc', 'â€™', '’'],
    ['FranÃ§ois', 'Ã§', 'ç'],
    ['Å’uvrard', 'Å’', 'Œ'],
    ['Zo\u00c3\u00a9 ðŸŽ§', 'Ã©', 'é'],
    ['å±±ç”°', 'å±±', '山'],
    ['ðŸŽ§', 'ðŸŽ§', '🎧'],
    ['Ð˜Ð²Ð°Ð½', 'Ð˜', 'И'],
    ['Î‘Î»Î­Î¾Î·Ï‚', 'Î‘', 'Α'],
    ['×“×•×“', '×“', 'ד'],
    ['PaweÅ‚', 'Å‚', 'ł'],
    ['Ù…Ø­Ù…Ø¯', 'Ù…', 'م'],
  ])('refuses %j, naming the pair and what it stood for', (text, seen, char) => {
    expect(garbledTextProblem(text)).toContain(`"${seen}" is how "${char}" reads`);
  });

  it.each([
    ['a high surrogate alone', 'Ana \ud83d', 'U+D83D'],
    ['a low surrogate alone', '\ude00 Zoé', 'U+DE00'],
    ['a low surrogate before its high one', 'Bo \ude00\ud83d', 'U+DE00'],
  ])(
    'refuses %s: half a character (a JSON "\\ud83d" cut from its pair), which PostgreSQL refuses and a mail carries as U+FFFD',
    (_, text, label) => {
      expect(garbledTextProblem(text)).toContain(label);
      // the pair whole is a character like any other
      expect(garbledTextProblem('Zoé 😀')).toBeNull();
    },
  );

  it('refuses U+FFFD, what a Windows-1252 file read as UTF-8 holds in place of each letter', () => {
    const text = new TextDecoder().decode(Uint8Array.from([0x43, 0x68, 0x6c, 0x6f, 0xe9])); // "Chloé" in Windows-1252
    expect(garbledTextProblem(text)).toContain('U+FFFD');
  });
});
