// What dev mode prints first: the clients it serves, the demo user, and what to try next.
import { DEVICE_CODE_GRANT } from '../../api/types.ts';
import type { LoadedClient } from './file-clients.ts';

export function devBanner(issuer: string, clients: LoadedClient[], demoUser?: { username: string; password: string }): string {
  const lines = ['', `Purser is running in dev mode at ${issuer}`, `  discovery: ${issuer}/.well-known/openid-configuration`, ''];
  for (const { record, generatedSecret } of clients) {
    const grants = (record.metadata.grant_types as string[]).join(', ');
    lines.push(`  client ${record.clientId}  (${grants})${generatedSecret ? `  client_secret: ${generatedSecret}` : ''}`);
  }
  if (demoUser) lines.push('', `  demo user: ${demoUser.username} / ${demoUser.password}`);

  const service = clients.find((c) => (c.record.metadata.grant_types as string[]).includes('client_credentials') && c.generatedSecret);
  if (service) {
    lines.push('', 'Try a client_credentials token:', `  curl -s -u '${service.record.clientId}:${service.generatedSecret}' -d grant_type=client_credentials ${issuer}/token`);
  }
  const workload = clients.find((c) => c.record.policy.serviceAccounts?.length);
  if (workload) {
    const [namespace] = workload.record.owner.split('/');
    lines.push(
      '',
      'Try a ServiceAccount token as the client credential (README "Workload identity"), minted by the local dev issuer:',
      `  TOKEN=$(node src/cli.ts mint-sa-token --namespace ${namespace} --service-account ${workload.record.policy.serviceAccounts![0]} --audience ${issuer})`,
      `  curl -s -d grant_type=client_credentials -d client_id=${workload.record.clientId} -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer --data-urlencode "client_assertion=$TOKEN" ${issuer}/token`,
    );
  }
  const browser = clients.find((c) => (c.record.metadata.grant_types as string[]).includes('authorization_code'));
  if (browser) {
    const params = new URLSearchParams({
      client_id: browser.record.clientId,
      response_type: 'code',
      scope: (browser.record.metadata.scope as string) || 'openid',
      redirect_uri: (browser.record.metadata.redirect_uris as string[])[0]!,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const redirectUri = params.get('redirect_uri')!;
    // OpenID Connect grants offline_access (a refresh token) only with prompt=consent (OIDC Core §11).
    if (params.get('scope')!.split(' ').includes('offline_access')) params.set('prompt', 'consent');
    lines.push('', 'Try the authorization code flow in a browser (PKCE verifier: dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk):', `  ${issuer}/auth?${params}`);
    // A public client redeems with its client_id alone; a confidential one would need its secret, printed above.
    if (browser.record.metadata.token_endpoint_auth_method === 'none') {
      lines.push(
        `The browser then lands on ${redirectUri}?code=... (nothing listens there: copy the code from the address bar), and:`,
        `  curl -s -d grant_type=authorization_code -d client_id=${browser.record.clientId} -d code="$CODE" --data-urlencode redirect_uri=${redirectUri} -d code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk ${issuer}/token`,
      );
    }
  }
  const device = clients.find((c) => (c.record.metadata.grant_types as string[]).includes(DEVICE_CODE_GRANT) && c.record.metadata.token_endpoint_auth_method === 'none');
  if (device) {
    const clientId = device.record.clientId;
    lines.push(
      '',
      'Try the device flow (RFC 8628): ask for a code, enter it at the verification_uri it names, then poll:',
      `  curl -s -d client_id=${clientId} -d scope=openid ${issuer}/device/auth`,
      `  curl -s -d grant_type=${DEVICE_CODE_GRANT} -d client_id=${clientId} -d device_code="$DEVICE_CODE" ${issuer}/token`,
    );
  }
  return `${lines.join('\n')}\n`;
}
