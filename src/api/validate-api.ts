// Validation of an OAuthAPI spec as a chain of pure checks; the first problem found is reported. The CRD schema
// refuses most of these at apply time; this chain is what dev mode and the controller rely on.
import { parseDuration } from './duration.ts';
import { FLOWS, type AccessRule, type ClientReference, type DelegationRule, type OAuthAPISpec } from './oauth-api.ts';
import { InvalidSpec, type Problem } from './reasons.ts';
import { OIDC_SCOPES } from './types.ts';

type Check = (spec: OAuthAPISpec) => string | undefined;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function audienceProblem(audience: unknown): string | undefined {
  if (typeof audience !== 'string' || !audience) return 'audience is required: the URI clients send as resource (RFC 8707) and tokens carry as aud';
  try {
    return new URL(audience).hash ? `audience: "${audience}" must not contain a fragment` : undefined;
  } catch {
    return `audience: "${audience}" is not an absolute URI`;
  }
}

const referenceProblem = (field: string, ref: ClientReference, what = 'client'): string | undefined =>
  ref?.namespace && ref?.name ? undefined : `${field}: each ${what} needs namespace and name`;

/**
 * What is wrong with the clients a rule selects (by namespaceSelector, clients, and for access rules serviceAccounts),
 * or `undefined`; `selectors` names the fields the rule may select with.
 */
function selectionProblem(field: string, rule: Pick<AccessRule, 'clients' | 'namespaceSelector' | 'serviceAccounts'>, selectors = 'namespaceSelector or clients'): string | undefined {
  if (!rule.namespaceSelector && !rule.clients?.length && !rule.serviceAccounts?.length) return `${field}: select clients with ${selectors}`;
  const expression = rule.namespaceSelector?.matchExpressions?.find(({ operator, values }) => !OPERATORS.includes(operator) || (['In', 'NotIn'].includes(operator) ? !values?.length : !!values?.length));
  if (expression) return `${field}.namespaceSelector: operator "${expression.operator}" on "${expression.key}" needs ${['In', 'NotIn'].includes(expression.operator) ? 'values' : 'no values'} (operators: ${OPERATORS.join(', ')})`;
  const references = [...(rule.clients ?? []).map((ref) => referenceProblem(`${field}.clients`, ref)), ...(rule.serviceAccounts ?? []).map((ref) => referenceProblem(`${field}.serviceAccounts`, ref, 'ServiceAccount'))];
  return references.find(Boolean);
}

/** What is wrong with a rule's scopes (none, or one spec.scopes does not define), or `undefined`. */
function scopesProblem(field: string, scopes: string[] | undefined, defined: Set<string>): string | undefined {
  if (!scopes?.length) return `${field}.scopes: name at least one scope`;
  const unknown = scopes.find((scope) => !defined.has(scope));
  return unknown ? `${field}.scopes: "${unknown}" is not defined in spec.scopes` : undefined;
}

function ruleProblem(rule: AccessRule, index: number, defined: Set<string>): string | undefined {
  const field = `access[${index}]`;
  const selection = 'namespaceSelector, clients or serviceAccounts';
  if (!rule.namespaceSelector && !rule.clients?.length && !rule.serviceAccounts?.length) return `${field}: select clients with ${selection}`;
  if (!rule.flows?.length) return `${field}.flows: name at least one of ${FLOWS.join(', ')}`;
  const badFlow = rule.flows.find((flow) => !FLOWS.includes(flow));
  if (badFlow) return `${field}.flows: "${badFlow}" is not one of ${FLOWS.join(', ')}`;
  return scopesProblem(field, rule.scopes, defined) ?? selectionProblem(field, rule, selection);
}

const delegationProblem = (rule: DelegationRule, index: number, defined: Set<string>): string | undefined =>
  selectionProblem(`delegation[${index}]`, rule) ??
  scopesProblem(`delegation[${index}]`, rule.scopes, defined) ??
  rule.subjectServiceAccounts?.map((ref) => referenceProblem(`delegation[${index}].subjectServiceAccounts`, ref, 'ServiceAccount')).find(Boolean);

const checks: Check[] = [
  (spec) => audienceProblem(spec.audience),
  (spec) => spec.scopes?.map(({ name }) => (SCOPE_TOKEN.test(name ?? '') ? undefined : `scopes: "${name}" is not a valid scope token`)).find(Boolean),
  (spec) => spec.scopes?.map(({ name }) => (OIDC_SCOPES.includes(name) ? `scopes: "${name}" is an OpenID Connect scope; those belong to the server, not to an API` : undefined)).find(Boolean),
  (spec) => spec.scopes?.map(({ name }, i) => (spec.scopes!.findIndex((other) => other.name === name) !== i ? `scopes: "${name}" is defined twice` : undefined)).find(Boolean),
  (spec) => {
    const defined = new Set((spec.scopes ?? []).map((scope) => scope.name));
    return spec.access?.map((rule, index) => ruleProblem(rule, index, defined)).find(Boolean);
  },
  (spec) => spec.resourceServers?.map((ref) => referenceProblem('resourceServers', ref)).find(Boolean),
  (spec) => {
    const defined = new Set((spec.scopes ?? []).map((scope) => scope.name));
    return spec.delegation?.map((rule, index) => delegationProblem(rule, index, defined)).find(Boolean);
  },
  (spec) => (spec.accessToken?.format !== undefined && !['jwt', 'opaque'].includes(spec.accessToken.format) ? 'accessToken.format must be jwt or opaque' : undefined),
  (spec) => (spec.accessToken?.ttl !== undefined && parseDuration(spec.accessToken.ttl) === undefined ? `accessToken.ttl: "${spec.accessToken.ttl}" is not a duration such as 90s, 15m, 1h or 14d` : undefined),
];

/** The first problem with the OAuthAPI's spec, or `undefined` when it can be served. */
export function validateOAuthAPI(spec: OAuthAPISpec | undefined): Problem | undefined {
  for (const check of checks) {
    const message = check(spec ?? ({} as OAuthAPISpec));
    if (message) return { reason: InvalidSpec, message };
  }
  return undefined;
}
