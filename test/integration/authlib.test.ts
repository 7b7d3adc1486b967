// A relying party from the Python ecosystem: Authlib's requests client (test/support/authlib/rp.py, in a venv from
// PyPI that scripts/authlib-venv.sh caches) runs a web app's whole life against a real Purser, while this test plays
// the user on the real login and consent pages. Assertions are on what Authlib returned.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { cachedTool, PROVISION_TIMEOUT_MS } from '../support/cached-tool.ts';
import { stopChild } from '../support/child-process.ts';
import { ALICE } from '../support/purser.ts';
import { signIn } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const CLIENT_ID = 'authlib.test';
const CLIENT_SECRET = 'authlib-secret-0123456789abcdefghijklmnop';
const REDIRECT_URI = 'http://127.0.0.1:9999/authlib/callback';
const SCRIPT = new URL('../support/authlib/rp.py', import.meta.url).pathname;

const context = usePurser('authlib');

interface Introspection {
  active: boolean;
  client_id?: string;
  sub?: string;
  scope?: string;
  token_type?: string;
}

interface IdToken {
  header: Record<string, string>;
  claims: Record<string, unknown>;
}

interface Report {
  exception?: string;
  token: { token_type: string; expires_in: number; scope: string; has: string[] };
  id_token: IdToken;
  userinfo: Record<string, unknown>;
  refresh: { new_access_token: boolean; new_refresh_token: boolean; id_token: IdToken };
  introspection: Record<'access_token' | 'refresh_token' | 'spent_refresh_token', Introspection>;
  revocation: { status: number; refresh_token_after: Introspection; refresh_after: string | { error: string; description: string } };
}

/** Runs rp.py: its authorization URL goes through the browser, the URL it is redirected to goes back to it. */
async function runAuthlib(python: string, issuer: string): Promise<Report> {
  const child = spawn(python, [SCRIPT, issuer, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  try {
    const next = async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`rp.py ended early:\n${stderr}`);
      return JSON.parse(line.value) as { authorization_url?: string; exception?: string };
    };
    const first = await next();
    if (!first.authorization_url) throw new Error(`rp.py: ${first.exception}\n${stderr}`);
    const redirect = await signIn(new Browser(), first.authorization_url, { stopAt: REDIRECT_URI });
    if (!redirect.location) throw new Error(`no redirect back to ${REDIRECT_URI}: ${redirect.url} ${redirect.status}\n${redirect.body.slice(0, 500)}`);
    child.stdin.end(`${redirect.location}\n`);
    const report = (await next()) as Report;
    if (report.exception) throw new Error(`rp.py: ${report.exception}\n${stderr}`);
    return report;
  } finally {
    await stopChild(child);
  }
}

describe('Authlib (Python requests client) as a relying party', () => {
  let report: Report;
  beforeAll(async () => {
    const python = await cachedTool('authlib-venv.sh');
    report = await runAuthlib(python, context.server.issuer);
  }, PROVISION_TIMEOUT_MS);

  it('exchanges a code bound to a PKCE S256 verifier (RFC 7636 §4.5) for tokens with offline_access (OIDC Core §11)', () => {
    expect(report.token).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email offline_access' });
    expect(report.token.expires_in).toBeGreaterThan(0);
    expect(report.token.has).toEqual(['access_token', 'id_token', 'refresh_token']);
  });

  it("validates the id_token against /jwks with Authlib's CodeIDToken: signature, iss, aud, exp, nonce (OIDC Core §3.1.3.7)", () => {
    expect(report.id_token.header.alg).toBe('RS256');
    expect(report.id_token.claims).toMatchObject({ iss: context.server.issuer, aud: CLIENT_ID, sub: ALICE.username, email: ALICE.email, name: ALICE.name });
    // CodeIDToken refuses an id_token whose nonce is not the one rp.py sent.
    expect(report.id_token.claims.nonce).toEqual(expect.any(String));
    expect(report.userinfo).toMatchObject({ sub: ALICE.username, email: ALICE.email, preferred_username: ALICE.username });
  });

  it('refreshes into a new access token, a rotated refresh token and an id_token for the same user (RFC 6749 §6, OIDC Core §12.2)', () => {
    expect(report.refresh.new_access_token).toBe(true);
    expect(report.refresh.new_refresh_token).toBe(true);
    expect(report.refresh.id_token.claims).toMatchObject({ iss: context.server.issuer, aud: CLIENT_ID, sub: ALICE.username });
  });

  it('introspects its access and refresh tokens as active, the spent refresh token as inactive (RFC 7662 §2.2)', () => {
    expect(report.introspection.access_token).toMatchObject({ active: true, client_id: CLIENT_ID, sub: ALICE.username, token_type: 'Bearer' });
    expect(report.introspection.refresh_token).toMatchObject({ active: true, client_id: CLIENT_ID, sub: ALICE.username });
    expect(report.introspection.spent_refresh_token).toEqual({ active: false });
  });

  it('revokes the refresh token (RFC 7009 §2.2): introspection says inactive, and a refresh with it is invalid_grant', () => {
    expect(report.revocation.status).toBe(200);
    expect(report.revocation.refresh_token_after).toEqual({ active: false });
    expect(report.revocation.refresh_after).toMatchObject({ error: 'invalid_grant' });
  });
});
