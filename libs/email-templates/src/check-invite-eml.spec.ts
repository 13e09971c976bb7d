import { describe, expect, it, jest } from '@jest/globals';
import { buildInviteEml, compileInviteTemplate, inviteEmlCodes } from './index.js';
import { hasInviteLink, inviteEmlProblem, withSendDate } from './check-invite-eml.js';
import { sampleEmailSettings, sampleRecipient } from './testing.js';

describe('inviteEmlProblem', () => {
  it('passes a rendered invitation for its own invite, and names what is wrong with any other file', async () => {
    const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
    const id = '0b6c3f9e-4f1d-4a51-9d7e-2f7d2c0c9a11';
    const eml = await buildInviteEml(compiled, sampleRecipient({ inviteId: id }));
    expect(inviteEmlProblem(eml, id)).toBeNull();
    expect(inviteEmlProblem(eml, id.toUpperCase())).toBeNull();
    expect(inviteEmlProblem(eml, '11111111-2222-4333-8444-555555555555')).toBe(`it is the .eml of another invite (X-Veza-Invite-Id ${id})`);
    // the closing boundary is what goes: a cut anywhere before it (the boundary is on a folded Content-Type line)
    for (const cut of [eml.length - 2, eml.length - 200, Math.floor(eml.length / 2)])
      expect(inviteEmlProblem(eml.subarray(0, cut), id)).toBe('it is cut short (its closing MIME boundary is missing)');
    expect(inviteEmlProblem(Buffer.from('hello'), id)).toBe('it has no header block (not an .eml)');
    expect(inviteEmlProblem(Buffer.from('To: a@b.c\r\n\r\nhi'), id)).toBe('it has no X-Veza-Invite-Id header');
  });

  it('inviteEmlCodes reads every code-shaped value where the template writes the code, a name that holds invite=… included', async () => {
    const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
    const eml = await buildInviteEml(compiled, sampleRecipient());
    expect(inviteEmlCodes(eml)).toEqual([sampleRecipient().code]);
    const named = await buildInviteEml(compiled, { ...sampleRecipient(), name: 'Ana (invite=ABCDABCDABCDABCD)' });
    expect(inviteEmlCodes(named)).toEqual(['ABCDABCDABCDABCD', sampleRecipient().code]);
    const word = await buildInviteEml(compiled, { ...sampleRecipient(), name: 'Carl (invite=moi)' });
    expect(inviteEmlCodes(word)).toEqual([sampleRecipient().code]);
    expect(inviteEmlCodes(Buffer.from('https://beta.veza.fr/signup?invite=3D7K3M-Q9ZD-1X=\r\nWN-4T8R\r\n'))).toEqual([
      '7K3M-Q9ZD-1XWN-4T8R',
    ]);
    expect(inviteEmlCodes(Buffer.from('To: a@b.c\r\n\r\nhello'))).toEqual([]);
    expect(hasInviteLink(Buffer.from('To: a@b.c\r\n\r\nhello'))).toBe(false);
    expect(hasInviteLink(Buffer.from('To: a@b.c\r\n\r\nsignup?invite=3D##'))).toBe(true);
  });

  it('withSendDate dates the message when it is sent, and changes nothing else', async () => {
    const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
    const eml = await buildInviteEml(compiled, sampleRecipient(), { date: new Date('2026-11-20T08:00:00Z') });
    const sent = withSendDate(eml, new Date('2026-11-23T09:30:00Z'));
    expect(sent.toString('latin1')).toMatch(/\nDate: Mon, 23 Nov 2026 09:30:00 \+0000\r?\n/);
    expect(sent.toString('latin1')).not.toContain('20 Nov 2026');
    expect(sent.toString('latin1').replace(/Date: [^\r\n]*/, '')).toBe(eml.toString('latin1').replace(/Date: [^\r\n]*/, ''));
    expect(inviteEmlProblem(sent, String(sampleRecipient().inviteId))).toBeNull();
    expect(withSendDate(Buffer.from('To: a@b.c\n\nDate: in the body'), new Date()).toString()).toBe('To: a@b.c\n\nDate: in the body');
  });

  it('withSendDate with inPlace writes the date into the buffer it is given (no copy of the file), and changes nothing else', async () => {
    const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
    const eml = await buildInviteEml(compiled, sampleRecipient(), { date: new Date('2026-11-20T08:00:00Z') });
    const copied = withSendDate(eml, new Date('2026-11-23T09:30:00Z'));
    const original = Buffer.from(eml);
    const sent = withSendDate(eml, new Date('2026-11-23T09:30:00Z'), { inPlace: true });
    expect(sent).toBe(eml);
    expect(sent.equals(copied)).toBe(true);
    expect(original.equals(eml)).toBe(false);
    // without inPlace the caller's buffer is left as it was
    const before = Buffer.from(eml);
    withSendDate(eml, new Date('2026-12-01T00:00:00Z'));
    expect(eml.equals(before)).toBe(true);
    // a Date line of another width: a new buffer, the given one untouched
    const odd = Buffer.from('To: a@b.c\nDate: yesterday\n\nhi');
    expect(withSendDate(odd, new Date('2026-11-23T09:30:00Z'), { inPlace: true }).toString()).toBe(
      'To: a@b.c\nDate: Mon, 23 Nov 2026 09:30:00 +0000\n\nhi',
    );
    expect(odd.toString()).toBe('To: a@b.c\nDate: yesterday\n\nhi');
  });

  it('withSendDate dates each email with the second it is sent in, when the clock moves on and when it steps back', () => {
    // the date's text is kept for the second it was made for: the next second, or an earlier one, gets its own
    const eml = Buffer.from('To: a@b.c\nDate: Fri, 20 Nov 2026 08:00:00 +0000\n\nhi');
    const sentAt = () => /Date: ([^\n]*)/.exec(withSendDate(eml, new Date()).toString())?.[1];
    jest.useFakeTimers({ now: new Date('2026-11-30T08:00:00.998Z') });
    try {
      expect(sentAt()).toBe('Mon, 30 Nov 2026 08:00:00 +0000');
      jest.advanceTimersByTime(1);
      expect(sentAt()).toBe('Mon, 30 Nov 2026 08:00:00 +0000');
      jest.advanceTimersByTime(1);
      expect(sentAt()).toBe('Mon, 30 Nov 2026 08:00:01 +0000');
      jest.advanceTimersByTime(59_000);
      expect(sentAt()).toBe('Mon, 30 Nov 2026 08:01:00 +0000');
      jest.setSystemTime(new Date('2026-11-30T07:59:59.500Z')); // NTP stepped the clock back
      expect(sentAt()).toBe('Mon, 30 Nov 2026 07:59:59 +0000');
      jest.setSystemTime(new Date('2026-12-01T00:00:00.000Z'));
      expect(sentAt()).toBe('Tue, 01 Dec 2026 00:00:00 +0000');
    } finally {
      jest.useRealTimers();
    }
    // the date given, not the clock: one of the past is written as it is
    expect(withSendDate(eml, new Date('2026-11-23T09:30:00.999Z')).toString()).toContain('\nDate: Mon, 23 Nov 2026 09:30:00 +0000\n');
    expect(withSendDate(eml, new Date('2026-11-23T09:30:01Z')).toString()).toContain('\nDate: Mon, 23 Nov 2026 09:30:01 +0000\n');
  });

  it('reads a header only at the start of a line of the header block, in the case buildInviteEml writes, the first one', () => {
    const id = '0b6c3f9e-4f1d-4a51-9d7e-2f7d2c0c9a11';
    const other = '11111111-2222-4333-8444-555555555555';
    // the first line of the file
    expect(inviteEmlProblem(Buffer.from(`X-Veza-Invite-Id: ${id}\r\nTo: a@b.c\r\n\r\nhi`), id)).toBeNull();
    // of two, the first
    expect(inviteEmlProblem(Buffer.from(`To: a@b.c\nX-Veza-Invite-Id: ${other}\nX-Veza-Invite-Id: ${id}\n\nhi`), id)).toBe(
      `it is the .eml of another invite (X-Veza-Invite-Id ${other})`,
    );
    // not inside another header's value, a continuation line, another case, or the body
    for (const eml of [
      `Subject: X-Veza-Invite-Id: ${id}\n\nhi`,
      `Subject: hello\n X-Veza-Invite-Id: ${id}\n\nhi`,
      `x-veza-invite-id: ${id}\n\nhi`,
      `To: a@b.c\r\n\r\nX-Veza-Invite-Id: ${id}\r\n`,
    ])
      expect(inviteEmlProblem(Buffer.from(eml), id)).toBe('it has no X-Veza-Invite-Id header');
    // a folded value is read whole; a multipart type's closing boundary is looked for at the end
    const multipart = `X-Veza-Invite-Id: ${id}\nContent-Type: multipart/alternative;\n boundary="--_b1"\n\n----_b1\nhi\n----_b1--\n`;
    expect(inviteEmlProblem(Buffer.from(multipart), id)).toBeNull();
    expect(inviteEmlProblem(Buffer.from(multipart.slice(0, -9)), id)).toBe('it is cut short (its closing MIME boundary is missing)');
    // Date: the first line of that name at a line's start; none in the block, the file as it is
    const date = new Date('2026-11-23T09:30:00Z');
    expect(withSendDate(Buffer.from('Date: Fri, 20 Nov 2026 08:00:00 +0000\nX-Note: Date: x\n\nhi'), date).toString()).toBe(
      'Date: Mon, 23 Nov 2026 09:30:00 +0000\nX-Note: Date: x\n\nhi',
    );
    for (const eml of ['X-Note: Date: Fri, 20 Nov 2026 08:00:00 +0000\n\nhi', 'date: Fri, 20 Nov 2026 08:00:00 +0000\n\nhi', 'Date'])
      expect(withSendDate(Buffer.from(eml), date).toString()).toBe(eml);
  });

  it('the header block ends at the first empty line, CRLF or LF, whichever comes first', () => {
    const date = new Date('2026-11-23T09:30:00Z');
    const line = 'Date: Mon, 23 Nov 2026 09:30:00 +0000';
    // LF headers, a body with CRLF blank lines and a Date line of its own
    expect(withSendDate(Buffer.from('To: a@b.c\nDate: Fri, 20 Nov 2026 08:00:00 +0000\n\nx\r\n\r\nDate: body'), date).toString()).toBe(
      `To: a@b.c\n${line}\n\nx\r\n\r\nDate: body`,
    );
    // CRLF headers, a body with LF blank lines
    expect(withSendDate(Buffer.from('To: a@b.c\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000\r\n\r\nx\n\nDate: body'), date).toString()).toBe(
      `To: a@b.c\r\n${line}\r\n\r\nx\n\nDate: body`,
    );
    // a Date after the first empty line is the body's
    expect(withSendDate(Buffer.from('To: a@b.c\r\n\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000\r\n'), date).toString()).toBe(
      'To: a@b.c\r\n\r\nDate: Fri, 20 Nov 2026 08:00:00 +0000\r\n',
    );
    expect(inviteEmlProblem(Buffer.from('To: a@b.c\r\nX-Veza-Invite-Id: x\r\n'), 'x')).toBe('it has no header block (not an .eml)');
  });
});
