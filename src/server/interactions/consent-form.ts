// Renders the consent page for the loaded interaction.
import { consentPage } from '../views/consent.ts';
import { requestedAccess } from './consent-details.ts';
import { csrfTokenFor } from './csrf.ts';
import { loaded, type StepContext } from './deps.ts';
import { stepPath } from './paths.ts';
import { renderPage } from './render.ts';

export function renderConsentForm(ctx: StepContext, csrfKey: Buffer): void {
  const { details, clientName } = loaded(ctx);
  const { uid } = details;
  renderPage(ctx, 200, consentPage({
    action: stepPath(uid, 'confirm'),
    abortAction: stepPath(uid, 'abort'),
    csrf: csrfTokenFor(csrfKey, uid),
    clientName,
    accountId: details.session?.accountId ?? '',
    access: requestedAccess(details),
  }));
}
