// A Kubernetes ServiceAccount token as the subject_token (RFC 8693 §2.1, subject_token_type jwt, §3): a workload's
// projected token that a service received, exchanged for a token acting for that workload. Verified offline as a
// ServiceAccount client assertion is (src/server/workload/verify-token.ts: a trusted issuer's published key, iss, exp
// and nbf with leeway), but not against the caller's OAuthClient (the subject is not the caller), and with an audience
// of its own: `<workload audience>/token-exchange`. A token with the client-assertion audience would let the service
// that receives it authenticate as the workload's own OAuthClient; a token minted for exchange cannot. Which ServiceAccounts a caller may act for is the target API's
// spec.delegation (scopes.ts). Every refusal is invalid_request (§2.2.2: an invalid or unacceptable subject_token).
import { serviceAccountSubject } from '../../../api/types.ts';
import { describe, EXCHANGE_SUBJECT_NOT_SERVICE_ACCOUNT, EXCHANGE_SUBJECT_SA_REFUSED, SA_TOKEN_EXPIRED } from '../../errors/descriptions.ts';
import { InvalidRequest } from '../../errors/purser-error.ts';
import type { WorkloadAuthentication } from '../../workload/authenticate.ts';
import { serviceAccountTokenOf, SignatureCache, verifyIssuedToken } from '../../workload/verify-token.ts';
import type { Subject } from './subject.ts';

/** The audience a ServiceAccount token must carry to be exchanged: the workload audience (an issuer URL) + `/token-exchange`. */
export const exchangeAudienceOf = (workloadAudience: string): string => `${workloadAudience.replace(/\/+$/, '')}/token-exchange`;

/** A reader of ServiceAccount subject tokens, with its own cache of verified signatures (verify-token.ts). */
export function serviceAccountSubjects({ keys, audience: workloadAudience, now = Date.now }: WorkloadAuthentication): (value: string) => Promise<Subject> {
  const signatures = new SignatureCache();
  const audience = exchangeAudienceOf(workloadAudience);
  return async (value) => {
    const parsed = serviceAccountTokenOf(value);
    if (!parsed) throw new InvalidRequest(EXCHANGE_SUBJECT_NOT_SERVICE_ACCOUNT);
    const { header, claims } = parsed;
    const issuerKeys = await keys.forToken(String(claims.iss), typeof header.kid === 'string' ? header.kid : undefined);
    const seconds = now() / 1000;
    const result = verifyIssuedToken(value, issuerKeys, { audience, now: seconds, signatures }, parsed);
    if ('refused' in result) throw new InvalidRequest(describe(EXCHANGE_SUBJECT_SA_REFUSED, result.refused));
    // verifyIssuedToken refused a token without a numeric exp.
    const exp = claims.exp as number;
    // Within the leeway a client assertion still authenticates, but a token that must not outlive this one would be born expired.
    if (exp <= seconds) throw new InvalidRequest(describe(EXCHANGE_SUBJECT_SA_REFUSED, describe(SA_TOKEN_EXPIRED, new Date(exp * 1000).toISOString())));
    const { namespace, name } = result.identity;
    return { accountId: serviceAccountSubject(namespace, name), exp, serviceAccount: `${namespace}/${name}` };
  };
}
