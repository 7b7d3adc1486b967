// A consent asked for a user who is no longer in the users file (removed while signed in, or a replica whose users
// file is older) is not shown or granted: the interaction finishes with no result, and the authorization it resumes
// counts the session as signed out (provider/interaction-policy.ts), so the person gets the sign-in page.
import { loaded, type InteractionDeps, type Step } from './deps.ts';

export function requireAccount({ provider, users, log }: InteractionDeps): Step {
  return async function requireAccount(ctx, next) {
    const { details } = loaded(ctx);
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId || users.find(accountId)) {
      await next();
      return;
    }
    log.info({ clientId: details.params.client_id }, 'consent refused: the signed-in user is no longer in the users file; asking to sign in again');
    await provider.interactionFinished(ctx.req, ctx.res, {}, { mergeWithLastSubmission: false });
  };
}
