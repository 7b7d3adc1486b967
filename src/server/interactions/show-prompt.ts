// GET: shows the page for the step the interaction is at; a client whose policy skips consent is granted here.
import { policyOf } from '../provider/client-policy.ts';
import { renderConsentForm } from './consent-form.ts';
import { loaded, type InteractionDeps, type Step } from './deps.ts';
import { grantConsent } from './grant-consent.ts';
import { renderLoginForm } from './login-form.ts';

export function showPrompt({ provider, csrfKey, log, apis }: InteractionDeps): Step {
  return async function showPrompt(ctx) {
    const { details, client } = loaded(ctx);
    switch (details.prompt.name) {
      case 'login':
        renderLoginForm(ctx, csrfKey);
        return;
      case 'consent':
        if (policyOf(client).skipConsent) {
          log.info({ clientId: details.params.client_id, accountId: details.session?.accountId }, 'consent skipped by client policy');
          await grantConsent(provider, ctx);
          return;
        }
        await renderConsentForm(ctx, csrfKey, apis);
        return;
      default:
        // Purser's interaction policy has only these two prompts; another one is a configuration fault.
        throw new Error(`no page for the "${details.prompt.name}" prompt`);
    }
  };
}
