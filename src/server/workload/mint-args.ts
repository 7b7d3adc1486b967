// The flags of `purser mint-sa-token`, checked before anything is signed: a token with a name Kubernetes could
// never issue, or a lifetime of NaN, would only fail later and further from the typo.
import { parseArgs } from 'node:util';

export const MINT_USAGE = `usage: purser mint-sa-token --namespace NS --service-account NAME [--audience URL] [--expiration-seconds N]

Dev mode: prints a ServiceAccount token signed by the local issuer's key (PURSER_DEV_SERVICE_ACCOUNT_ISSUER_KEY,
by default .purser-dev/service-account-issuer.jwk relative to the working directory: run it from the folder
npm start runs in, or set the variable to an absolute path).

  --namespace NS              the ServiceAccount's namespace (a DNS-1123 label)
  --service-account NAME      the ServiceAccount's name (a DNS-1123 subdomain)
  --audience URL              the token's audience (default PURSER_WORKLOAD_AUDIENCE, else PURSER_ISSUER)
  --expiration-seconds N      lifetime in seconds, a positive integer (default 600; a real TokenRequest needs >= 600)
`;

/** Kubernetes' DNS-1123 label: a namespace name (at most 63 characters). */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What the command line asks for: help, a token, or a mistake to print in one line (exit code 2). */
export type MintRequest =
  | { kind: 'help' }
  | { kind: 'error'; message: string }
  | { kind: 'mint'; namespace: string; serviceAccount: string; audience?: string; expirationSeconds?: number };

/** True if `name` is a DNS-1123 subdomain (a ServiceAccount name): dot-separated labels, at most 253 characters. */
function isSubdomain(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/** Parses `argv` (the arguments after `mint-sa-token`); never throws. */
export function parseMintArgs(argv: string[]): MintRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        namespace: { type: 'string' }, 'service-account': { type: 'string' }, audience: { type: 'string' },
        'expiration-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs' messages name the option and say what is wrong with it; only its hint about `--` is noise here.
    return { kind: 'error', message: (error as Error).message.split('\n')[0]!.replace(/\. To specify a positional.*$/, '') };
  }
  if (values.help) return { kind: 'help' };
  const { namespace, 'service-account': serviceAccount, audience, 'expiration-seconds': seconds } = values;
  if (!namespace || !serviceAccount) return { kind: 'error', message: '--namespace and --service-account are required' };
  if (namespace.length > 63 || !LABEL.test(namespace)) {
    return { kind: 'error', message: `--namespace: "${namespace}" is not a Kubernetes namespace name (a DNS-1123 label: lower-case letters, digits and -, at most 63)` };
  }
  if (!isSubdomain(serviceAccount)) {
    return { kind: 'error', message: `--service-account: "${serviceAccount}" is not a Kubernetes ServiceAccount name (a DNS-1123 subdomain: lower-case letters, digits, - and ., at most 253)` };
  }
  if (seconds !== undefined && !(/^\d+$/.test(seconds) && Number(seconds) > 0 && Number.isSafeInteger(Number(seconds)))) {
    return { kind: 'error', message: `--expiration-seconds: expected a positive integer, got "${seconds}"` };
  }
  return { kind: 'mint', namespace, serviceAccount, ...(audience ? { audience } : {}), ...(seconds ? { expirationSeconds: Number(seconds) } : {}) };
}
