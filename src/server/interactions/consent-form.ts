// Renders the consent page for the loaded interaction.
import type { ApiCatalog } from '../../store/types.ts';
import { consentPage } from '../views/consent.ts';
import type { ApiWords } from '../views/consent-words.ts';
import { requestedAccess } from './consent-details.ts';
import { csrfTokenFor } from './csrf.ts';
import { loaded, type StepContext } from './deps.ts';
import { stepPath } from './paths.ts';
import { renderPage } from './render.ts';

/** Each requested API's name and scope descriptions, from its OAuthAPI (one catalog read per API asked for). */
async function apiWords(apis: ApiCatalog, indicators: string[]): Promise<Record<string, ApiWords>> {
  const records = await Promise.all(indicators.map((indicator) => apis.get(indicator)));
  return Object.fromEntries(records.filter((record) => record !== undefined).map((record) => [record.audience, { displayName: record.displayName, descriptions: record.descriptions }]));
}

export async function renderConsentForm(ctx: StepContext, csrfKey: Buffer, apis: ApiCatalog): Promise<void> {
  const { details, clientName } = loaded(ctx);
  const { uid } = details;
  const access = requestedAccess(details);
  access.apis = await apiWords(apis, Object.keys(access.resources));
  renderPage(ctx, 200, consentPage({
    action: stepPath(uid, 'confirm'),
    abortAction: stepPath(uid, 'abort'),
    csrf: csrfTokenFor(csrfKey, uid),
    clientName,
    accountId: details.session?.accountId ?? '',
    access,
  }));
}
