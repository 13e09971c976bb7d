/** Crockford base32: no I, L, O, U, so that codes read aloud and typed by hand survive. */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 16 characters of 5 bits: 80 random bits. */
export const CODE_LENGTH = 16;
/** A code in its canonical form: 16 upper-case Crockford base32 characters, no hyphens. */
export const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{16}$/;
