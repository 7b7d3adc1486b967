// An attack on the refresh_token fast path (src/server/fast-token/refresh.ts): the OAuthAPI admission of a user's
// client is withdrawn after sign-in (DESIGN.md, "Who may get which token"). oidc-provider's refresh_token handler,
// called directly, consults the same hooks (getResourceServerInfo, api-admission.ts) as on oidc-provider's path, so two
// replicas of one installation, one with PURSER_TOKEN_FAST_PATH on and one off, must give the same answer: the same
// status and error, or the same scopes and audience in the access token, and never a scope no longer admitted.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { CLIENTS_DIR, freePort, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, VOLATILE_HEADERS, type Answer } from '../support/raw-http.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';

let fast: TestServer;
let slow: TestServer;
let clientsDir: string;

beforeAll(async () => {
  const fixtures = await writeFixtures();
  clientsDir = await mkdtemp(join(tmpdir(), 'purser-fast-refresh-admission-'));
  await cp(CLIENTS_DIR, clientsDir, { recursive: true });
  const port = await freePort();
  const options = { redisUrl: inject('redisUrl'), fixtures, clientsDir, prefix: uniquePrefix('fast-refresh-admission'), issuer: `http://127.0.0.1:${port}`, env: { PURSER_TENANCY: 'enforced' } };
  [fast, slow] = await Promise.all([startPurser({ ...options, port }), startPurser({ ...options, env: { ...options.env, PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => Promise.all([fast?.close(), slow?.close()]));

const SCOPE = 'openid offline_access reports:read';
const basic = `Basic ${Buffer.from(`webapp.test:${encodeURIComponent(SECRETS['webapp.test']!)}`).toString('base64')}`;
const refresh = (server: TestServer, token: string): Promise<Answer> =>
  postRaw(server.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` });

async function refreshToken(): Promise<string> {
  const { tokens } = await codeFlow(await relyingParty(fast.issuer, 'webapp.test'), new Browser(), { scope: SCOPE, prompt: 'consent' });
  return tokens.refresh_token!;
}

/** What must be the same on both paths: status, headers but the volatile ones, the body's names, error, scope, and the access token's audience and scope. */
function comparable(answer: Answer): unknown {
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  const token = typeof body.access_token === 'string' && body.access_token.split('.').length === 3 ? decodeJwt(body.access_token) : undefined;
  return {
    status: answer.status,
    headers: answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase()) && name.toLowerCase() !== 'content-length'),
    names: Object.keys(body),
    error: body.error,
    error_description: body.error_description,
    scope: body.scope,
    jwt: token && { aud: token.aud, scope: token.scope },
  };
}

describe('the refresh_token fast path after an OAuthAPI admission is withdrawn', () => {
  it('RFC 6749 §6: the same answer as oidc-provider, and no access token for the API with reports:read', async () => {
    const [onFast, onSlow, probeFast, probeSlow] = await Promise.all([refreshToken(), refreshToken(), refreshToken(), refreshToken()]);
    const before = comparable(await refresh(fast, probeFast));
    expect(before).toMatchObject({ status: 200, jwt: { aud: 'https://reports.test', scope: 'reports:read' } });

    // The web app's access to the reports API is withdrawn (its userDelegated entry removed).
    const file = join(clientsDir, 'apis.yaml');
    const apis = await readFile(file, 'utf8');
    const withdrawn = apis.replace(['    - clients: [{ namespace: test, name: webapp }]', '      scopes: [reports:read]', '      flows: [userDelegated]', ''].join('\n'), '');
    expect(withdrawn).not.toBe(apis);
    await writeFile(file, withdrawn);
    // Each replica sees it once a probe refresh no longer yields reports:read there.
    const probes = { fast: probeFast, slow: probeSlow };
    const withdrawnOn = async (server: TestServer, which: 'fast' | 'slow') => {
      const answer = await refresh(server, probes[which]);
      if (answer.status === 200) probes[which] = (JSON.parse(answer.body) as { refresh_token: string }).refresh_token;
      const seen = comparable(answer) as { status: number; jwt?: { scope?: string } };
      return seen.status !== 200 || seen.jwt?.scope !== 'reports:read';
    };
    await waitFor('the admission withdrawn on both replicas', async () => (await withdrawnOn(fast, 'fast')) && (await withdrawnOn(slow, 'slow')), 15_000, 300);

    const [a, b] = [await refresh(fast, onFast), await refresh(slow, onSlow)];
    expect(comparable(a)).toEqual(comparable(b));
    expect((comparable(a) as { jwt?: { scope?: string } }).jwt?.scope).not.toBe('reports:read');
  });
});
