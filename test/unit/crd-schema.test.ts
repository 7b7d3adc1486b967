// The OAuthClient CRD read as data: every field documented for `kubectl explain`, the same fields and enums as
// src/api/types.ts, every rule bounded and explained, the names and columns kubectl shows. How the rules judge
// specs (against validate.ts) is checked on a real API server in test/integration/crd.test.ts.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { DURATION_PATTERN } from '../../src/api/duration.ts';
import { API_GROUP, API_VERSION, AUTH_METHODS, GRANT_TYPES, KIND, PLURAL, type Condition, type OAuthClientSpec, type OAuthClientStatus } from '../../src/api/types.ts';

interface Rule {
  rule: string;
  message?: string;
  messageExpression?: string;
}

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  maxItems?: number;
  maxLength?: number;
  'x-kubernetes-validations'?: Rule[];
}

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
}

const crd = parse(readFileSync(new URL('../../crds/oauthclients.purser.dev.yaml', import.meta.url), 'utf8'));
const version = crd.spec.versions[0];
const root: Schema = version.schema.openAPIV3Schema;
const spec = root.properties!.spec!;
const status = root.properties!.status!;

// Each list names the fields of one TypeScript type; `satisfies` fails to compile when the type gains or loses one.
const SPEC_FIELDS = {
  clientId: true,
  displayName: true,
  public: true,
  grantTypes: true,
  redirectUris: true,
  postLogoutRedirectUris: true,
  scopes: true,
  audiences: true,
  accessToken: true,
  refreshToken: true,
  requirePkce: true,
  skipConsent: true,
  secretName: true,
  generateSecret: true,
  tokenEndpointAuthMethod: true,
  jwks: true,
  jwksUri: true,
  corsOrigins: true,
  backchannelLogoutUri: true,
  backchannelLogoutSessionRequired: true,
  logout: true,
  deletionPolicy: true,
  secretRotation: true,
  serviceAccounts: true,
} satisfies Record<keyof OAuthClientSpec, true>;
const ACCESS_TOKEN_FIELDS = { format: true, ttl: true } satisfies Record<keyof NonNullable<OAuthClientSpec['accessToken']>, true>;
const REFRESH_TOKEN_FIELDS = { ttl: true, absoluteLifetime: true, reuseGracePeriod: true } satisfies Record<keyof NonNullable<OAuthClientSpec['refreshToken']>, true>;
const STATUS_FIELDS = { clientId: true, grantTypes: true, secretName: true, issuer: true, observedGeneration: true, previousSecretExpiresAt: true, audiences: true, conditions: true } satisfies Record<keyof OAuthClientStatus, true>;
const CONDITION_FIELDS = { type: true, status: true, reason: true, message: true, lastTransitionTime: true, observedGeneration: true } satisfies Record<keyof Condition, true>;
const ACCESS_TOKEN_FORMATS = ['jwt', 'opaque'] as const satisfies readonly NonNullable<NonNullable<OAuthClientSpec['accessToken']>['format']>[];
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const satisfies readonly Condition['status'][];

/** Every schema below `schema`, with its path as `kubectl explain` spells it (`[]` for array items). */
function* walk(schema: Schema, path: string): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries(schema.properties ?? {})) yield* walk(child, `${path}.${name}`);
  if (schema.items) yield* walk(schema.items, `${path}[]`);
}

const all = [...walk(root, 'oauthclient')];
const rules = all.flatMap(([path, schema]) => (schema['x-kubernetes-validations'] ?? []).map((rule) => [path, rule] as const));

describe('the OAuthClient CRD', () => {
  it('documents every field at every depth (the API server allows no description on metadata)', () => {
    const undocumented = all.filter(([path, schema]) => path !== 'oauthclient.metadata' && !schema.description?.trim()).map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('has exactly the fields of OAuthClientSpec and OAuthClientStatus', () => {
    const keys = (schema: Schema | undefined) => Object.keys(schema?.properties ?? {}).sort();
    expect(keys(spec)).toEqual(Object.keys(SPEC_FIELDS).sort());
    expect(keys(spec.properties!.accessToken)).toEqual(Object.keys(ACCESS_TOKEN_FIELDS).sort());
    expect(keys(spec.properties!.refreshToken)).toEqual(Object.keys(REFRESH_TOKEN_FIELDS).sort());
    expect(keys(status)).toEqual(Object.keys(STATUS_FIELDS).sort());
    expect(keys(status.properties!.conditions!.items)).toEqual(Object.keys(CONDITION_FIELDS).sort());
  });

  it('takes its enums from src/api/types.ts', () => {
    expect(spec.properties!.grantTypes!.items!.enum).toEqual([...GRANT_TYPES]);
    // status.grantTypes holds what the spec's allow: the controller's status write fails on any other value.
    expect(status.properties!.grantTypes!.items!.enum).toEqual([...GRANT_TYPES]);
    expect(status.properties!.grantTypes!.maxItems).toBeGreaterThanOrEqual(spec.properties!.grantTypes!.maxItems!);
    expect(spec.properties!.tokenEndpointAuthMethod!.enum).toEqual([...AUTH_METHODS]);
    expect(spec.properties!.accessToken!.properties!.format!.enum).toEqual([...ACCESS_TOKEN_FORMATS]);
    expect(status.properties!.conditions!.items!.properties!.status!.enum).toEqual([...CONDITION_STATUSES]);
  });

  it('bounds every list and every free-form string, so the API server can bound the cost of the rules', () => {
    const unboundedLists = all.filter(([, schema]) => schema.type === 'array' && schema.maxItems === undefined).map(([path]) => path);
    const unboundedStrings = all
      .filter(([path, schema]) => schema.type === 'string' && schema.maxLength === undefined && !schema.enum && schema.format !== 'date-time' && !['oauthclient.apiVersion', 'oauthclient.kind'].includes(path))
      .map(([path]) => path);
    expect(unboundedLists).toEqual([]);
    expect(unboundedStrings).toEqual([]);
  });

  it('gives every rule a message that says what to fix', () => {
    expect(rules.length).toBeGreaterThan(20);
    for (const [path, rule] of rules) expect(rule.message?.trim(), `${path}: ${rule.rule}`).toBeTruthy();
  });

  it('checks durations with DURATION_PATTERN, as parseDuration does', () => {
    const durations = ['accessToken.ttl', 'refreshToken.ttl', 'refreshToken.absoluteLifetime', 'refreshToken.reuseGracePeriod'];
    for (const field of durations) {
      const [rule] = rules.filter(([path]) => path === `oauthclient.spec.${field}`).map(([, r]) => r);
      expect(rule?.rule, field).toContain(`self.matches(r'${DURATION_PATTERN}')`);
      expect(rule?.messageExpression, field).toContain(`'${field}: "' + self`);
    }
  });

  it('applies the same rules to redirectUris and postLogoutRedirectUris', () => {
    expect(spec.properties!.postLogoutRedirectUris!.items).toEqual(spec.properties!.redirectUris!.items);
  });

  it('defaults only the spec itself and requirePkce: public and generateSecret mean something when absent', () => {
    const defaults = all.filter(([, schema]) => schema.default !== undefined).map(([path, schema]) => [path, schema.default]);
    expect(defaults).toEqual([
      ['oauthclient.spec', {}],
      ['oauthclient.spec.requirePkce', true],
    ]);
  });

  it('keeps clientId immutable once set', () => {
    const transition = rules.filter(([, rule]) => rule.rule.includes('oldSelf'));
    expect(transition).toEqual([
      ['oauthclient.spec', expect.objectContaining({ message: 'clientId is immutable once set; delete and recreate the OAuthClient to change it' })],
    ]);
  });

  it('has the names and printer columns kubectl shows', () => {
    expect(crd.metadata.name).toBe(`${PLURAL}.${API_GROUP}`);
    expect(crd.spec).toMatchObject({
      group: API_GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, plural: PLURAL, singular: 'oauthclient', shortNames: ['oac'], categories: ['purser'] },
    });
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: API_VERSION, served: true, storage: true, subresources: { status: {} } });
    expect(version.additionalPrinterColumns.map(({ name, type, jsonPath }: PrinterColumn) => [name, type, jsonPath])).toEqual([
      ['Client ID', 'string', '.status.clientId'],
      ['Grants', 'string', '.status.grantTypes'],
      ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
      ['Reason', 'string', '.status.conditions[?(@.type=="Ready")].reason'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
  });
});
