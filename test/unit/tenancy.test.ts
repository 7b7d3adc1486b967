// The platform team's policy as pure functions (src/api/tenancy.ts): a table of namespace × client_id × patterns.
import { describe, expect, it } from 'vitest';

import { clientIdAllowed, clientIdPatternProblem, effectiveSkipConsent, isFirstParty } from '../../src/api/tenancy.ts';
import type { OAuthClient } from '../../src/api/types.ts';

describe('clientIdAllowed', () => {
  it.each([
    ['payments.team-a', 'team-a', [], true],
    ['other-name.team-a', 'team-a', [], true],
    ['payments.team-a', 'team-b', [], false],
    ['payments.team-a.team-b', 'team-b', [], true],
    ['payments.team-b', 'b', [], false],
    ['payments', 'team-a', [], false],
    ['payments', 'team-a', ['team-a=payments'], true],
    ['payments', 'team-b', ['team-a=payments'], false],
    ['legacy-web', 'team-a', ['team-*=legacy-*'], true],
    ['legacy.web', 'team-a', ['team-a=legacy-*'], false],
    ['payments.team-a', 'team-b', ['*=*'], true],
    // A pattern's * never stands for a dot, so it never reaches into another namespace's <name>.<namespace> ids.
    ['legacy-web.team-a', 'team-b', ['team-*=legacy-*'], false],
    ['payments.team-a', 'team-b', ['team-b=payments*'], false],
    ['payments.team-a', 'team-b', ['team-b=*.team-a'], true],
    ['com.example.app', 'team-a', ['team-a=com.example.*'], true],
    ['com.example.app.team-b', 'team-a', ['team-a=com.example.*'], false],
  ] as const)('%s in namespace %s with %j: %s', (clientId, namespace, patterns, allowed) => {
    expect(clientIdAllowed(clientId, namespace, patterns)).toBe(allowed);
  });

  it('treats regular-expression characters in a pattern literally', () => {
    expect(clientIdAllowed('appXteam', 'team-a', ['team-a=app.team'])).toBe(false);
  });

  it('rejects malformed PURSER_CLIENT_ID_PATTERNS entries', () => {
    expect(clientIdPatternProblem('team-a=payments')).toBeUndefined();
    for (const entry of ['payments', '=payments', 'team-a=', 'a=b=c']) expect(clientIdPatternProblem(entry)).toContain('namespace=pattern');
  });
});

describe('first-party', () => {
  const client = (namespace: string, skipConsent: boolean): OAuthClient => ({ metadata: { name: 'web', namespace }, spec: { skipConsent } }) as OAuthClient;

  it('honours skipConsent only in listed namespaces, or everywhere with *', () => {
    expect(isFirstParty('team-a', { clientIdPatterns: [], firstPartyNamespaces: ['team-a'] })).toBe(true);
    expect(isFirstParty('team-b', { clientIdPatterns: [], firstPartyNamespaces: ['team-a'] })).toBe(false);
    expect(effectiveSkipConsent(client('team-b', true), { clientIdPatterns: [], firstPartyNamespaces: ['team-a'] })).toBe(false);
    expect(effectiveSkipConsent(client('team-b', true), { clientIdPatterns: [], firstPartyNamespaces: ['*'] })).toBe(true);
    expect(effectiveSkipConsent(client('team-a', false), { clientIdPatterns: [], firstPartyNamespaces: ['team-a'] })).toBe(false);
  });
});
