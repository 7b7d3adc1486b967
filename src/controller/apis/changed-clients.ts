// Which clients' status a new API catalog record changes. A client's status shows, per audience, the OAuthAPI that
// holds it, the scopes it defines and what it admits for the client's client_id (reconcile/audiences.ts): when only
// some client_ids' admission moved, only those clients need looking at, not every client listing the audience.
import { isDeepStrictEqual } from 'node:util';

import { own } from '../../api/admission.ts';
import type { ApiRecord } from '../../store/types.ts';

/**
 * The client_ids whose admission differs between `before` and `after` (two records of one audience), or
 * `undefined` when every client listing the audience must be looked at: the record is new, or the API holding it,
 * the scopes it defines or its name changed.
 */
export function changedClientIds(before: ApiRecord | undefined, after: ApiRecord): Set<string> | undefined {
  if (!before || before.api !== after.api || !isDeepStrictEqual(before.scopes, after.scopes)) return undefined;
  const changed = new Set<string>();
  for (const clientId of new Set([...Object.keys(before.clients), ...Object.keys(after.clients)])) {
    if (!isDeepStrictEqual(own(before.clients, clientId), own(after.clients, clientId))) changed.add(clientId);
  }
  return changed;
}
