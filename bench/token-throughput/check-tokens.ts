// Before measuring: one client_credentials request to each target, to show both issue the same kind of token.
import { basicAuth, CLIENT_CREDENTIALS_BODY, MACHINE } from './bench-clients.ts';

/** "ES256 at+jwt, aud https://api.bench.test, scope bench:read, 600 s", or throws with the response. */
export async function describeAccessToken(url: string): Promise<string> {
  const response = await fetch(`${url}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(MACHINE), 'content-type': 'application/x-www-form-urlencoded' },
    body: CLIENT_CREDENTIALS_BODY,
  });
  const body = (await response.json()) as { access_token?: string };
  const [header, payload] = (body.access_token ?? '').split('.').slice(0, 2).map((part) => {
    try {
      return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  });
  if (!response.ok || !header || !payload) throw new Error(`${url}: no JWT access token (${response.status}): ${JSON.stringify(body)}`);
  return `${header.alg} ${header.typ}, aud ${payload.aud}, scope ${payload.scope}, ${Number(payload.exp) - Number(payload.iat)} s`;
}
