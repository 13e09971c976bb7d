import { expect } from '@jest/globals';
import { fillTemplate, parseTemplate } from './parse-template.js';

const names = { known: new Set(['name', 'link', 'cohort']), urls: new Set(['link']), required: [] };

describe('parseTemplate', () => {
  it('escapes text and attributes, and URL-encodes a placeholder in the middle of an href', () => {
    const t = parseTemplate(
      '<p title="{{cohort}}">{{name}}</p><a href="{{link}}">x</a><a href="https://x.example/?c={{cohort}}">y</a>',
      'f.html',
      'html',
      names,
    );
    expect(t.slots.map((s) => s.encoding)).toEqual(['html', 'html', 'url-in-attribute', 'component-in-url']);
    expect(fillTemplate(t, { name: '<b>&"\'', link: 'https://a.example/?a=1&b=2', cohort: 'a&b "c"' })).toBe(
      '<p title="a&amp;b &quot;c&quot;">&lt;b&gt;&amp;&quot;&#39;</p><a href="https://a.example/?a=1&amp;b=2">x</a><a href="https://x.example/?c=a%26b%20%22c%22">y</a>',
    );
  });

  it('names the unknown placeholder and the file', () => {
    expect(() => parseTemplate('Bonjour {{prenom}}', 'templates/x.txt', 'text', names)).toThrow(
      expect.objectContaining({
        code: 'EMAIL_PLACEHOLDER_UNKNOWN',
        message: 'template templates/x.txt uses unknown placeholder {{prenom}}',
      }),
    );
  });

  it('refuses a non-URL value at the start of an href, a placeholder in <style>, an unquoted attribute and a stray {{', () => {
    const invalid = (source: string) => () => parseTemplate(source, 'f.html', 'html', names);
    expect(invalid('<a href="{{cohort}}">x</a>')).toThrow(/cannot start href/);
    expect(invalid('<style>.a{color:{{cohort}}}</style>')).toThrow(/inside <style>/);
    expect(invalid('<a href={{link}}>x</a>')).toThrow(/not in a quoted attribute value/);
    expect(invalid('<p>{{ name </p>')).toThrow(/not a \{\{placeholder\}\}/);
  });

  it('requires the placeholders a template cannot do without', () => {
    expect(() => parseTemplate('Bonjour', 'f.txt', 'text', { ...names, required: ['link'] })).toThrow(
      expect.objectContaining({ code: 'EMAIL_TEMPLATE_INVALID', message: 'template f.txt: must contain {{link}}' }),
    );
  });
});

describe('fillTemplate', () => {
  it('throws EMAIL_PLACEHOLDER_UNFILLED rather than leaving {{…}} or an empty hole', () => {
    const t = parseTemplate('Salut {{name}}, {{cohort}}', 'f.txt', 'text', names);
    expect(() => fillTemplate(t, { name: 'Ada' })).toThrow(
      expect.objectContaining({ code: 'EMAIL_PLACEHOLDER_UNFILLED', message: 'placeholder {{cohort}} of f.txt has no value' }),
    );
    expect(fillTemplate(t, { name: 'Ada', cohort: '' })).toBe('Salut Ada, ');
  });
});
