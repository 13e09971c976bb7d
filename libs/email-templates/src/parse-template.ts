import { TemplateInvalidError, UnfilledPlaceholderError, UnknownPlaceholderError } from './errors.js';
import { escapeHtml } from './escape-html.js';

/** How a value is written into its slot. */
export type SlotEncoding = 'raw' | 'html' | 'url-in-attribute' | 'component-in-url';

/** A template cut once into literal text and slots, so filling is a join. */
export interface ParsedTemplate {
  file: string;
  /** literals.length === slots.length + 1 */
  literals: string[];
  slots: { name: string; encoding: SlotEncoding }[];
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;
// Attributes whose value a mail client follows: a whole-value placeholder there must be a URL we built.
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'background', 'poster', 'cite']);

/** Where a placeholder sits in compiled HTML, decided once per template. */
function htmlContext(html: string, at: number, name: string, urlNames: ReadonlySet<string>, file: string): SlotEncoding {
  const before = html.slice(0, at).toLowerCase();
  for (const raw of ['style', 'script']) {
    if (before.lastIndexOf(`<${raw}`) > before.lastIndexOf(`</${raw}`)) {
      throw new TemplateInvalidError(file, `{{${name}}} is inside <${raw}>, where it cannot be escaped safely`);
    }
  }
  const tagStart = before.lastIndexOf('<');
  if (tagStart <= before.lastIndexOf('>')) return 'html';
  // Inside a tag: walk its attributes to find the quoted value holding the placeholder.
  const tag = html.slice(tagStart, at);
  const closed = tag.replace(/[^\s=]+\s*=\s*("[^"]*"|'[^']*')/g, '');
  const attr = /([^\s=/<>"']+)\s*=\s*(?:"([^"]*)|'([^']*))$/.exec(closed);
  if (!attr) throw new TemplateInvalidError(file, `{{${name}}} is inside a tag but not in a quoted attribute value`);
  const attrName = (attr[1] ?? '').toLowerCase();
  if (!URL_ATTRIBUTES.has(attrName)) return 'html';
  if ((attr[2] ?? attr[3] ?? '') !== '') return 'component-in-url';
  if (!urlNames.has(name)) throw new TemplateInvalidError(file, `{{${name}}} is not a URL and cannot start ${attrName}="…"`);
  return 'url-in-attribute';
}

/**
 * Cuts a template into literals and slots. Unknown names are an error naming
 * the placeholder and the file; so is a `{{` left over that is not a placeholder.
 */
export function parseTemplate(
  source: string,
  file: string,
  kind: 'html' | 'text',
  names: { known: ReadonlySet<string>; urls: ReadonlySet<string>; required: readonly string[] },
): ParsedTemplate {
  const literals: string[] = [];
  const slots: ParsedTemplate['slots'] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!names.known.has(name)) throw new UnknownPlaceholderError(name, file);
    literals.push(source.slice(last, match.index));
    slots.push({ name, encoding: kind === 'text' ? 'raw' : htmlContext(source, match.index, name, names.urls, file) });
    last = match.index + match[0].length;
  }
  literals.push(source.slice(last));
  if (literals.some((literal) => literal.includes('{{'))) throw new TemplateInvalidError(file, 'has a "{{" that is not a {{placeholder}}');
  for (const name of names.required) {
    if (!slots.some((slot) => slot.name === name)) throw new TemplateInvalidError(file, `must contain {{${name}}}`);
  }
  return { file, literals, slots };
}

/** A value as written into a slot of the given encoding. */
export function encodeSlot(value: string, encoding: SlotEncoding): string {
  switch (encoding) {
    case 'raw':
      return value;
    case 'html':
    case 'url-in-attribute':
      return escapeHtml(value);
    case 'component-in-url':
      return escapeHtml(encodeURIComponent(value));
  }
}

/** Fills every slot; a missing value is EMAIL_PLACEHOLDER_UNFILLED, never an empty or literal "{{…}}". */
export function fillTemplate(template: ParsedTemplate, values: Readonly<Record<string, string | undefined>>): string {
  const { literals, slots } = template;
  let out = literals[0] ?? '';
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const value = values[slot.name];
    if (value === undefined) throw new UnfilledPlaceholderError(slot.name, template.file);
    out += encodeSlot(value, slot.encoding) + literals[i + 1];
  }
  return out;
}
