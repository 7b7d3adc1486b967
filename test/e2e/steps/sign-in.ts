// A code + PKCE sign-in through the Service with the real login and consent pages: a users Secret given to the chart
// (users.existingSecret), an OAuthClient with a Secret of its own (labelled for it, so the controller may use it), openid-client and a browser that only reads forms.
// This machine cannot resolve the issuer's in-cluster host name, so while the step runs the issuer's name resolves to
// the Service's ClusterIP (URLs, Host headers, cookies and redirects keep the issuer's name, as in the cluster).
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashPassword } from '../../../src/server/accounts/users.ts';
import { Browser } from '../../support/browser.ts';
import { ALICE } from '../../support/purser.ts';
import { REDIRECT_URI, codeFlow } from '../../support/rp.ts';
import { helmCluster, kubectl } from '../support/cluster.ts';
import { ISSUER, NAMESPACE, RELEASE, pods, resolveIssuerToService } from '../support/purser.ts';
import { CHART_DIR } from '../support/scripts.ts';

const CLIENT_SECRET = 'e2e-webapp-secret-0123456789abcdefghijklmnop';

const CLIENT = `apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: {name: e2e-webapp, namespace: default}
spec:
  grantTypes: [authorization_code, refresh_token]
  redirectUris: ["${REDIRECT_URI}"]
  scopes: [openid, profile, email, offline_access]
  secretName: e2e-webapp-credentials
---
apiVersion: v1
kind: Secret
metadata: {name: e2e-webapp-credentials, namespace: default, labels: {purser.dev/oauthclient: e2e-webapp}}
stringData: {client_secret: ${CLIENT_SECRET}}
`;

export function signIn(): void {
  describe('code + PKCE sign-in through the Service', () => {
    let restore: (() => void) | undefined;
    beforeAll(async () => {
      restore = await resolveIssuerToService();
    });
    afterAll(() => restore?.());

    it('alice signs in on the login page, consents, and the code is exchanged for an id_token naming her', async () => {
      const { password, ...alice } = ALICE;
      const users = `users:\n  - ${JSON.stringify({ ...alice, passwordHash: await hashPassword(password) })}\n`;
      await kubectl(['-n', NAMESPACE, 'create', 'secret', 'generic', 'e2e-users', `--from-literal=users.yaml=${users}`]);
      const before = (await pods('server')).map((pod) => `pod/${pod.name}`);
      await helmCluster(['upgrade', RELEASE, CHART_DIR, '--namespace', NAMESPACE, '--reuse-values', '--set', 'users.existingSecret=e2e-users', '--wait', '--timeout', '10m']);
      // --wait returns once the new pods are Ready; the old ones (without alice) may still answer through the Service
      // during their preStop pause, so the sign-in starts only when they are gone.
      await kubectl(['-n', NAMESPACE, 'wait', '--for=delete', ...before, '--timeout=120s']);
      await kubectl(['apply', '-f', '-'], CLIENT);
      await kubectl(['-n', 'default', 'wait', '--for=condition=Ready', 'oauthclient/e2e-webapp', '--timeout=60s']);

      const config = await oidc.discovery(new URL(ISSUER), 'e2e-webapp.default', { client_secret: CLIENT_SECRET }, oidc.ClientSecretBasic(CLIENT_SECRET), {
        execute: [oidc.allowInsecureRequests],
      });
      const { tokens } = await codeFlow(config, new Browser(), { scope: 'openid profile email' });
      expect(tokens.claims()).toMatchObject({ iss: ISSUER, sub: expect.any(String), aud: 'e2e-webapp.default', email: ALICE.email, name: ALICE.name });
    });
  });
}
