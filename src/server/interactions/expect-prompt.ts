// A form for a step the interaction is no longer at (back button, second tab) goes back to the current step.
import type { Step } from './deps.ts';
import { loaded } from './deps.ts';
import { interactionPath } from './paths.ts';

export function expectPrompt(name: 'login' | 'consent'): Step {
  return async function expectPrompt(ctx, next) {
    const { details } = loaded(ctx);
    if (details.prompt.name === name) {
      await next();
      return;
    }
    ctx.status = 303;
    ctx.redirect(interactionPath(details.uid));
  };
}
