// The device authorization grant (RFC 8628) on oidc-provider's deviceFlow feature: Purser's pages, slow_down, and
// verification_uri_complete without script. The guessing limit and the announced interval patch oidc-provider, so
// they are installed from src/patches.ts.
import type { Provider } from 'oidc-provider';

import type { Config } from '../../config/load.ts';
import type { RateCounters } from '../../store/types.ts';
import { devicePages } from './pages.ts';
import { PollPace } from './poll-pace.ts';
import { prefillUserCode } from './prefill.ts';
import { slowDown } from './slow-down.ts';
import { USER_CODE_SHAPES, type UserCodeCharset } from './user-codes.ts';

/** oidc-provider's default path of the verification page (routes.code_verification), which Purser keeps. */
export const VERIFICATION_PATH = '/device';

/** `features.deviceFlow` of the provider configuration. */
export function deviceFlowFeature(config: Config) {
  const charset = config.deviceUserCodeCharset as UserCodeCharset;
  return { enabled: true, charset, mask: USER_CODE_SHAPES[charset].mask, ...devicePages(charset) };
}

/** Everything of the device flow that goes around oidc-provider rather than into its configuration. */
export function installDeviceFlow(provider: Provider, config: Config, counters: RateCounters): void {
  provider.use(prefillUserCode(VERIFICATION_PATH));
  provider.use(slowDown(new PollPace(counters, { interval: config.devicePollInterval, lifetime: config.deviceCodeTtl })));
}
