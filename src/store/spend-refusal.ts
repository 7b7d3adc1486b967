// What the presenter of a code or refresh token is told when the store will not let it be spent.
import { AUTHORIZATION_CODE_ALREADY_USED, DEVICE_CODE_ALREADY_USED, GRANT_SOURCE_GONE, REFRESH_TOKEN_ALREADY_USED } from '../server/errors/descriptions.ts';
import { InvalidGrant } from '../server/errors/purser-error.ts';

import type { ConsumeOutcome } from './types.ts';

/** What a caller is told when a concurrent request consumed the same code or refresh token first. */
const REUSED: Record<string, string> = {
  AuthorizationCode: AUTHORIZATION_CODE_ALREADY_USED,
  RefreshToken: REFRESH_TOKEN_ALREADY_USED,
  DeviceCode: DEVICE_CODE_ALREADY_USED,
};

/** Throws InvalidGrant when `outcome` (of consuming an artifact of `model`) is `reused` or `missing`. */
export function refuseUnspent(model: string, outcome: ConsumeOutcome): void {
  if (outcome === 'reused') throw new InvalidGrant(REUSED[model] ?? GRANT_SOURCE_GONE, { detail: `${model} already consumed` });
  if (outcome === 'missing') throw new InvalidGrant(GRANT_SOURCE_GONE, { detail: `${model} expired or revoked` });
}
