import { describe, expect, it } from '@jest/globals';
import { findInviteEmlCode, inviteEmlCodes } from './eml-codes.js';

const NAMED = Buffer.from(
  'To: a@b.c\n\nBonjour Ana (invite=3DABCD-ABCD-ABCD-ABCD),\n\nhttps://beta.veza.fr/signup?invite=3D7K3M-Q9ZD-1X=\nWN-4T8R\n\nA bient=C3=B4t\n',
);

describe('findInviteEmlCode', () => {
  it("stops at the first code it is looking for: the codes after it are not read (a dispatcher's check of the link)", () => {
    const looked: string[] = [];
    const first = findInviteEmlCode(NAMED, (code) => (looked.push(code), true));
    expect(first).toBe('ABCD-ABCD-ABCD-ABCD');
    expect(looked).toEqual(['ABCD-ABCD-ABCD-ABCD']);
    looked.length = 0;
    expect(findInviteEmlCode(NAMED, (code) => (looked.push(code), code.startsWith('7K3M')))).toBe('7K3M-Q9ZD-1XWN-4T8R');
    expect(looked).toEqual(['ABCD-ABCD-ABCD-ABCD', '7K3M-Q9ZD-1XWN-4T8R']);
    expect(findInviteEmlCode(NAMED, () => false)).toBeUndefined();
  });

  it('finds what inviteEmlCodes lists, in its order, in a Buffer and in a plain Uint8Array', () => {
    expect(inviteEmlCodes(NAMED)).toEqual(['ABCD-ABCD-ABCD-ABCD', '7K3M-Q9ZD-1XWN-4T8R']);
    expect(inviteEmlCodes(new Uint8Array(NAMED))).toEqual(['ABCD-ABCD-ABCD-ABCD', '7K3M-Q9ZD-1XWN-4T8R']);
    const seen: string[] = [];
    findInviteEmlCode(new Uint8Array(NAMED), (code) => (seen.push(code), false));
    expect(seen).toEqual(inviteEmlCodes(NAMED));
  });

  it('joins soft line breaks (LF or CRLF) only within the 64 bytes after invite=3D, and reads no code from a damaged one', () => {
    expect(inviteEmlCodes(Buffer.from('invite=3D7K3M=\r\n-Q9ZD=\n-1XWN-4T8R\r\n'))).toEqual(['7K3M-Q9ZD-1XWN-4T8R']);
    expect(inviteEmlCodes(Buffer.from('invite=3D7K3MQ9ZD1XWN4T8R more'))).toEqual(['7K3MQ9ZD1XWN4T8R']);
    // 60 soft line breaks push the code past the look-ahead: not read
    expect(inviteEmlCodes(Buffer.from(`invite=3D${'=\n'.repeat(30)}7K3M-Q9ZD-1XWN-4T8R`))).toEqual([]);
    expect(inviteEmlCodes(Buffer.from('invite=3D7K3M-Q9ZD-1XWN-4T8'))).toEqual([]);
    expect(inviteEmlCodes(Buffer.from('invite=3D7K3M-Q9%D-1XWN-4T8R'))).toEqual([]);
    expect(inviteEmlCodes(Buffer.from('invite=3'))).toEqual([]);
  });
});
