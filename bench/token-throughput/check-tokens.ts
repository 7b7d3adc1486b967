// Before measuring: one token request per scenario and target, to show every target issues the same kind of token,
// and to size the floor (the length of Purser's token response and of its JWT's signing input).
import type { TokenRequest } from './scenarios.ts';

export interface TokenCheck {
  /** "ES256 at+jwt, aud https://api.bench.test, scope bench:read, 600 s" or "opaque (43 chars), scope …, 600 s". */
  description: string;
  /** Bytes of the JSON token response. */
  responseBytes: number;
  /** Bytes of the JWS signing input (header.payload) of a JWT access token. */
  signingInputBytes?: number;
}

const ATTEMPTS = 6;

function decode(part: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Sends `request` to `<url>/token` and describes the access token; retries once a second for a while (a server reads
 * newly published ServiceAccount issuer keys at most once a second), then throws with the last response.
 */
export async function checkToken(url: string, request: TokenRequest): Promise<TokenCheck> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(request.authorization ? { authorization: request.authorization } : {}) },
      body: request.body,
    });
    const text = await response.text();
    const body = JSON.parse(text) as { access_token?: string; scope?: string; expires_in?: number };
    const token = body.access_token ?? '';
    if (response.ok && token) {
      const lifetime = `scope ${body.scope}, ${body.expires_in} s`;
      const [header, payload] = token.split('.').slice(0, 2).map(decode);
      const responseBytes = Buffer.byteLength(text);
      if (!header || !payload) return { description: `opaque (${token.length} chars), ${lifetime}`, responseBytes };
      const who = payload.service_account ? `, service_account ${String(payload.service_account)}` : '';
      return { description: `${header.alg} ${header.typ}, aud ${String(payload.aud)}, ${lifetime}${who}`, responseBytes, signingInputBytes: token.lastIndexOf('.') };
    }
    if (attempt === ATTEMPTS) throw new Error(`${url}: no access token (${response.status}): ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
