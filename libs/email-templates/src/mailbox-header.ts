import MimeNode from 'nodemailer/lib/mime-node';
import { encodeWords, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import type { Mailbox } from './settings.js';

// RFC 5322 atext plus space: a display name made only of these needs no quoting.
const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
const ASCII = /^[\u0020-\u007e]*$/;

/**
 * One folded header line ending with `newline`, for a mailbox header (To,
 * From…). Display names are quoted or RFC 2047 encoded with nodemailer's own
 * helpers; a non-ASCII address (EAI) goes through a whole MimeNode, which
 * also punycodes the domain.
 */
export function mailboxHeaderLine(key: string, box: Mailbox, newline: string): string {
  if (!ASCII.test(box.address)) {
    const node = new MimeNode('text/plain', { newline: newline === '\n' ? 'linux' : 'win' });
    node.setHeader(key, box.name ? { name: box.name, address: box.address } : box.address);
    // Keep only this header (its line and continuation lines): buildHeaders also
    // writes its own Date, Message-ID and MIME-Version, which the caller sets.
    const lines = node.buildHeaders().split(/\r?\n/);
    const start = lines.findIndex((line) => line.toLowerCase().startsWith(`${key.toLowerCase()}:`));
    const picked = [lines[start]!];
    for (let i = start + 1; i < lines.length && /^[ \t]/.test(lines[i]!); i++) picked.push(lines[i]!);
    return picked.join(newline) + newline;
  }
  let value = box.address;
  if (box.name) {
    const name = ATOM_PHRASE.test(box.name)
      ? box.name
      : ASCII.test(box.name)
        ? quoteString(box.name)
        : encodeWords(box.name, 'Q', 52, true);
    value = `${name} <${box.address}>`;
  }
  return plainHeaderLine(key, value, newline);
}

/** A header line for an ASCII value, folded at 76 characters. */
export function plainHeaderLine(key: string, value: string, newline: string): string {
  const line = foldLines(`${key}: ${value}`, 76);
  return (newline === '\r\n' ? line : line.replace(/\r\n/g, newline)) + newline;
}

/** The second rfc5322Date last formatted (whole seconds since the epoch) and its text. */
let formattedSecond = NaN;
let formatted = '';

/**
 * RFC 5322 date, as nodemailer writes it: `Mon, 01 Jun 2026 08:00:00 +0000`. It has no finer unit than
 * the second, so the text of the last second asked for is kept: a dispatch dates every email it sends
 * (a thousand a second), and formatting a Date each time cost about 5 µs of its main thread per email.
 */
export function rfc5322Date(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== formattedSecond) {
    formatted = date.toUTCString().replace(/GMT/, '+0000');
    // an invalid Date's NaN is never equal to itself: formatted each time, as before
    formattedSecond = second;
  }
  return formatted;
}
