// Sets the page security headers first, so every response of the interaction routes carries them.
import { setPageHeaders } from '../views/headers.ts';
import type { Step } from './deps.ts';

export const pageHeaders: Step = async function pageHeaders(ctx, next) {
  setPageHeaders(ctx);
  await next();
};
