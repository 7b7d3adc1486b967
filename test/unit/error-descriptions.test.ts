// RFC 6749 §5.2 (and §4.1.2.1 for errors sent back to the redirect URI): an error_description MUST NOT include
// characters outside %x20-21 / %x23-5B / %x5D-7E: no double quote, no backslash, no control or non-ASCII character.
import { describe, expect, it } from 'vitest';

import * as descriptions from '../../src/server/errors/descriptions.ts';
import { describe as fill, DESCRIPTION_CHARACTERS, RESOURCE_NOT_AN_AUDIENCE, SCOPE_NOT_ALLOWED } from '../../src/server/errors/descriptions.ts';

const TEMPLATES = (Object.entries(descriptions) as Array<[string, unknown]>).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

describe('error descriptions (RFC 6749 §5.2)', () => {
  it.each(TEMPLATES)('RFC 6749 §5.2: %s holds only the characters an error_description may', (_name, template) => {
    expect(template).toMatch(DESCRIPTION_CHARACTERS);
  });

  it.each([
    ['a double quote and a backslash', 'https://e"vil\\test', "resource 'https://e?vil?test' is not an audience of this client (allowed: https://a.test)"],
    ['CR LF (a header injection attempt)', 'https://evil.test/\r\nX-Injected: 1', "resource 'https://evil.test/??X-Injected: 1' is not an audience of this client (allowed: https://a.test)"],
    ['non-ASCII', 'https://évil.test', "resource 'https://?vil.test' is not an audience of this client (allowed: https://a.test)"],
  ])('RFC 6749 §5.2: a value the caller sent with %s is filled in with ? for each such character', (_label, resource, expected) => {
    const text = fill(RESOURCE_NOT_AN_AUDIENCE, resource, 'https://a.test');
    expect(text).toBe(expected);
    expect(text).toMatch(DESCRIPTION_CHARACTERS);
  });

  it('fills values in order and leaves allowed characters alone', () => {
    expect(fill(SCOPE_NOT_ALLOWED, 'reports:delete', "a b c:d/e?f=g&h'i")).toBe("requested scope is not allowed for this client: reports:delete (allowed: a b c:d/e?f=g&h'i)");
  });
});
