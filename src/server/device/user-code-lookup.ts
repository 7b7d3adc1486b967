// Where a typed user code is looked up (DeviceCode.findByUserCode, called by oidc-provider's code_verification POST
// only): the guessing limit counts the code and refuses before the lookup, and gives back a code that was found.
import Provider from 'oidc-provider';

import { USER_CODE_WINDOW_SECONDS, type UserCodeGuessLimit } from './guess-limit.ts';

/** The name of the error a refused code raises; the code page says what it means. */
export const USER_CODE_GUESSES_EXHAUSTED = 'UserCodeGuessesExhausted';

/** 429 on the code page, with the page re-rendered (oidc-provider sends every code_verification error there). */
export class UserCodeGuessesExhausted extends Error {
  readonly status = 429;
  readonly statusCode = 429;
  readonly expose = true;
  readonly userCode: string;

  constructor(userCode: string) {
    super('too many wrong user codes');
    this.name = USER_CODE_GUESSES_EXHAUSTED;
    this.userCode = userCode;
  }
}

type FindByUserCode = (userCode: string, options?: { ignoreExpiration?: boolean }) => Promise<unknown>;

export function installUserCodeLimit(provider: Provider, limit: UserCodeGuessLimit): void {
  const model = provider.DeviceCode as unknown as { findByUserCode: FindByUserCode };
  const find = model.findByUserCode.bind(model);
  model.findByUserCode = async function limitedFindByUserCode(userCode, options) {
    // oidc-provider keeps the request's context in an AsyncLocalStorage it reads through Provider.ctx.
    const ctx = (Provider as unknown as { ctx?: { ip: string; set(name: string, value: string): void } }).ctx;
    if (!ctx) return find(userCode, options);
    if (await limit.attempt(ctx.ip)) {
      ctx.set('Retry-After', String(USER_CODE_WINDOW_SECONDS));
      throw new UserCodeGuessesExhausted(userCode);
    }
    const found = await find(userCode, options);
    if (found) await limit.giveBack(ctx.ip);
    return found;
  };
}
