import { z } from 'zod';

/**
 * Field builders for settings schemas, so that every app words the same
 * mistake the same way. Each takes the raw (trimmed, non-blank) string.
 */

/** The words of a flag that is on, and of one that is off (any case). */
const FLAG_ON = /^(1|true|yes|on)$/i;
const FLAG_OFF = /^(0|false|no|off)$/i;

/** `1`/`true`/`yes`/`on` or `0`/`false`/`no`/`off` (any case), the seed scripts' flags; absent = false. */
export function flagField() {
  return z
    .string()
    .refine((text) => FLAG_ON.test(text) || FLAG_OFF.test(text), 'must be 1 or 0 (or true/false, yes/no, on/off)')
    .transform((text) => FLAG_ON.test(text))
    .optional()
    .transform((value) => value ?? false);
}

/** `1`/`true`/`yes`/`on` is true, anything else false: how FORCE and SEND were always read (never an error). */
export const looseFlagField = z
  .string()
  .optional()
  .transform((text) => FLAG_ON.test(text ?? ''));

/**
 * What to say of a loose flag whose value is neither on nor off (`SEND=ture`,
 * `FORCE=y`): it is read as off, which is safe (nothing sent, nothing
 * forced), but the operator who typed it meant something. Null for an unset,
 * blank, on or off value. The value is shown: a flag is no secret.
 */
export function unclearFlagWarning(name: string, raw: string | undefined): string | null {
  const text = raw?.trim() ?? '';
  if (text === '' || FLAG_ON.test(text) || FLAG_OFF.test(text)) return null;
  return `${name}=${JSON.stringify(text)} is neither on (1, true, yes, on) nor off (0, false, no, off): read as off.`;
}

/** An http(s) URL; `message` words the refusal (it must not quote a secret URL). */
export function httpUrlField(message = 'must be an http(s) URL') {
  return z.string().refine((text) => {
    try {
      return ['http:', 'https:'].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, message);
}

/** A whole number in [min, max], in decimal digits only (no `1e6`, no `8080.5`). */
export function wholeNumberField(min: number, max: number) {
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** A positive decimal number (`60`, `0.5`), in decimal digits only (no `1e3`, no `1m`); the text is kept, callers convert it. */
export function positiveNumberField(message: Parameters<z.ZodString['refine']>[1]) {
  return z.string().refine((text) => /^\d+(\.\d+)?$/.test(text) && Number(text) > 0, message);
}

/** A comma-separated list; blank entries are dropped. */
export const commaListField = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
