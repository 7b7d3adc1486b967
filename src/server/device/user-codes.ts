// User codes a person reads on one screen and types on another (RFC 8628 §6.1). oidc-provider generates them from a
// charset and a mask, and compares them after upper-casing and dropping every non-word character, so case, dashes and
// spaces in what a person types do not matter.
import type { UserCodeFormat } from '../views/device.ts';

export type UserCodeCharset = 'base-20' | 'digits';

interface Shape extends UserCodeFormat {
  /** oidc-provider's mask: `*` is a random character of the charset, the rest is shown as is. */
  mask: string;
}

/**
 * base-20 is RFC 8628 §6.1's own example: consonants only (BCDFGHJKLMNPQRSTVWXZ), so no words, and none of the
 * look-alikes 0/O, 1/I/L... (L stays: without I and 1 beside it, it is unambiguous). 8 of them hold 34.5 bits; 9 digits
 * hold 29.9 bits. Either is far too little on its own, hence the guessing limit (guess-limit.ts, RFC 8628 §5.1).
 */
export const USER_CODE_SHAPES: Readonly<Record<UserCodeCharset, Shape>> = {
  'base-20': { mask: '****-****', example: 'BCDF-GHJK', length: '8 letters', numeric: false },
  digits: { mask: '***-***-***', example: '123-456-789', length: '9 digits', numeric: true },
};
