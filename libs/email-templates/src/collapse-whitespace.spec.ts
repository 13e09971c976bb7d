import { expect } from '@jest/globals';
import fc from 'fast-check';
import { collapseWhitespace } from './collapse-whitespace.js';

/** What a browser lays out with `white-space: normal`: each run of whitespace read as one space. */
const asLaidOut = (html: string) => html.replace(/[ \t\n\r\f]+/g, ' ');

describe('collapseWhitespace', () => {
  it("shortens MJML's indentation to one line break, and a run of spaces to one space", () => {
    expect(collapseWhitespace('<table>\n          <tbody>\n\n    <tr>  <td>a\tb</td>')).toBe('<table>\n<tbody>\n<tr> <td>a b</td>');
  });

  it('keeps single spaces, non-breaking spaces and &nbsp; as they are', () => {
    const html = '<p>Une bêta, concrètement&nbsp;: des choses\u00a0\u00a0vont casser</p>';
    expect(collapseWhitespace(html)).toBe(html);
  });

  it('leaves an HTML alone where whitespace may be shown as typed', () => {
    for (const html of [
      '<div>\n    <pre>  a\n    b</pre>\n</div>',
      '<div>\n    <textarea>  a</textarea>\n</div>',
      '<div>\n    <p style="white-space: pre-wrap">  a</p>\n</div>',
      '<div>\n    <p style="WHITE-SPACE:break-spaces">  a</p>\n</div>',
      '<div>\n    <script>var a = "  b";</script>\n</div>',
    ])
      expect(collapseWhitespace(html)).toBe(html);
  });

  it('lays out the same text as the HTML it was given, whatever the whitespace', () => {
    const piece = fc.string({
      unit: fc.constantFrom('<p>', '</p>', 'a', 'é', ' ', '\n', '\t', '\r\n', '\u00a0', '&nbsp;', '\f'),
      maxLength: 60,
    });
    fc.assert(
      fc.property(piece, (html) => {
        const collapsed = collapseWhitespace(html);
        expect(asLaidOut(collapsed)).toBe(asLaidOut(html));
        expect(collapsed).not.toMatch(/[ \t\n\r\f]{2}/);
      }),
      { numRuns: 500 },
    );
  });
});
