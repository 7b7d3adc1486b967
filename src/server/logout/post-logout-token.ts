// Back-Channel Logout 1.0 §2.5: one POST of a logout token to a client's backchannel_logout_uri. The URI is chosen by
// whoever may edit an OAuthClient, so the request is kept on a short leash: a deadline for the whole exchange, no
// redirect followed, no response body read, no cookies or credentials sent, and only to allowed addresses
// (delivery-network.ts).
import { fetch } from 'undici';

import { RefusedAddress, type DeliveryNetwork } from './delivery-network.ts';

/** `delivered`, or why not (safe to log: no token, no response body); `refused`: the address is not allowed, so no retry. */
export type PostOutcome = { delivered: true } | { delivered: false; reason: string; refused?: true };

/**
 * POSTs `logout_token=<token>` as application/x-www-form-urlencoded (§2.5) and waits at most `timeoutMs` for the
 * answer, over `network`. §2.8: 200 is success; 204 too, since some frameworks answer an empty 200 that way. Anything
 * else (a 3xx included: redirects are not followed), a timeout or a network error is a failure; an address `network`
 * does not allow (an IP literal, or what the host name resolves to when connecting) is refused without a request.
 */
export async function postLogoutToken(uri: string, token: string, timeoutMs: number, network: DeliveryNetwork): Promise<PostOutcome> {
  const refusal = network.refusal(new URL(uri).hostname);
  if (refusal) return { delivered: false, reason: refusal, refused: true };
  try {
    const response = await fetch(uri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
      body: new URLSearchParams({ logout_token: token }),
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: network.dispatcher,
    });
    await response.body?.cancel();
    return response.status === 200 || response.status === 204 ? { delivered: true } : { delivered: false, reason: `answered ${response.status}, expected 200` };
  } catch (error) {
    const { name, message, cause } = error as Error & { cause?: { code?: string } };
    if (cause instanceof RefusedAddress) return { delivered: false, reason: cause.message, refused: true };
    return { delivered: false, reason: name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? message) };
  }
}
