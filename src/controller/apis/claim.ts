// Who holds an audience: of the OAuthAPIs claiming it, the oldest by creationTimestamp (then namespace/name, so
// that two created in one second still agree); the others report AudienceConflict.
import type { OAuthAPIResource } from './kube.ts';

const refOf = (api: OAuthAPIResource) => `${api.metadata.namespace}/${api.metadata.name}`;

/** The OAuthAPI that keeps `audience`, among `apis`, ignoring those being deleted; `undefined` when none claims it. */
export function audienceHolder(apis: readonly OAuthAPIResource[], audience: string): OAuthAPIResource | undefined {
  const claimants = apis.filter((api) => api.spec?.audience === audience && !api.metadata.deletionTimestamp);
  const created = (api: OAuthAPIResource) => new Date(api.metadata.creationTimestamp ?? 0).getTime();
  return claimants.sort((a, b) => created(a) - created(b) || refOf(a).localeCompare(refOf(b)))[0];
}
