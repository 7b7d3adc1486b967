import { describe, expect, it } from 'vitest';

import { redirectUriMatches } from '../../src/server/provider/loopback-redirects.ts';

const REGISTERED = ['http://127.0.0.1:8400/callback', 'http://[::1]:8400/callback', 'http://localhost:3000/callback', 'https://app.example.com/cb'];

describe('redirect URI matching (RFC 8252 §7.3, §8.3; RFC 9700 §2.1)', () => {
  it.each([
    ['http://127.0.0.1:8400/callback', 'the registered URI itself'],
    ['http://127.0.0.1:51004/callback', 'another port on 127.0.0.1 (RFC 8252 §7.3)'],
    ['http://127.0.0.1/callback', 'no port on 127.0.0.1'],
    ['http://[::1]:61000/callback', 'another port on [::1] (RFC 8252 §7.3)'],
    ['http://localhost:3000/callback', 'localhost exactly as registered'],
    ['https://app.example.com/cb', 'an https URI exactly as registered'],
  ])('accepts %s: %s', (presented) => {
    expect(redirectUriMatches(presented, REGISTERED)).toBe(true);
  });

  it.each([
    ['http://localhost:51004/callback', 'localhost on another port (RFC 8252 §8.3: NOT RECOMMENDED, matched exactly)'],
    ['http://127.0.0.1:51004/other', 'another path'],
    ['http://127.0.0.1:51004/callback?x=1', 'an added query'],
    ['https://127.0.0.1:51004/callback', 'another scheme'],
    ['http://127.0.0.2:8400/callback', 'another loopback address than registered'],
    ['http://127.0.0.1:8400@evil.test/callback', 'userinfo trickery'],
    ['http://127.0.0.1:99999/callback', 'a port out of range'],
    ['http://[::1]:51004/callback/', 'a trailing slash'],
    ['https://app.example.com:8443/cb', 'another port on a non-loopback host (RFC 9700 §2.1: exact match)'],
  ])('refuses %s: %s', (presented) => {
    expect(redirectUriMatches(presented, REGISTERED)).toBe(false);
  });
});
