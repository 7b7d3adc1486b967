// Dev mode's OAuthAPIs: those of the clients folder, judged by the controller's rules (validation, the first
// claimant of an audience keeps it) and turned into API catalog records. Namespaces have no labels in dev mode:
// a namespaceSelector matches only when it is empty ({}).
import type { OAuthAPI } from '../../api/oauth-api.ts';
import type { OAuthClient } from '../../api/types.ts';
import { validateOAuthAPI } from '../../api/validate-api.ts';
import { toApiRecord } from '../../controller/apis/record.ts';
import type { OAuthAPIResource } from '../../controller/apis/kube.ts';
import type { OAuthClientResource } from '../../controller/kube.ts';
import type { Logger } from '../../log.ts';
import type { ApiRecord } from '../../store/types.ts';

/** One record per audience, for the APIs in file order (the first claimant wins); the others are logged and skipped. */
export function fileApiRecords(apis: { api: OAuthAPI; source: string }[], clients: OAuthClient[], log: Logger): ApiRecord[] {
  const records = new Map<string, ApiRecord>();
  for (const { api, source } of apis) {
    const problem = validateOAuthAPI(api.spec)?.message ?? (records.has(api.spec.audience) ? `the audience "${api.spec.audience}" is already declared by ${records.get(api.spec.audience)!.api}` : undefined);
    if (problem) {
      log.warn({ source }, `OAuthAPI skipped: ${problem}`);
      continue;
    }
    records.set(api.spec.audience, toApiRecord(api as OAuthAPIResource, clients as OAuthClientResource[], () => ({})).record);
  }
  return [...records.values()];
}
