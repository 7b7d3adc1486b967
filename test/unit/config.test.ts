import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig } from '../../src/config/load.ts';

describe('loadConfig', () => {
  it('uses dev defaults in dev mode', () => {
    const config = loadConfig(['--dev'], {});
    expect(config).toMatchObject({ dev: true, host: '127.0.0.1', port: 4000, logFormat: 'pretty', clientsDir: 'examples/clients', accessTokenTtl: 3600 });
  });

  it('prefers flags over environment over defaults', () => {
    const config = loadConfig(['--dev', '--port=5000'], { PURSER_PORT: '6000', PURSER_ISSUER: 'https://auth.test', PURSER_REFRESH_TOKEN_TTL: '2d' });
    expect(config).toMatchObject({ port: 5000, issuer: 'https://auth.test', refreshTokenTtl: 172800 });
  });

  it('defaults the issuer to the port in use, so --port alone does not advertise another server\'s address', () => {
    expect(loadConfig(['--dev'], {}).issuer).toBe('http://localhost:4000');
    expect(loadConfig(['--dev', '--port=4001'], {}).issuer).toBe('http://localhost:4001');
    expect(loadConfig(['--dev'], { PURSER_PORT: '4002' }).issuer).toBe('http://localhost:4002');
    expect(loadConfig(['--dev', '--port=4001', '--issuer=https://auth.test'], {}).issuer).toBe('https://auth.test');
  });

  it('treats an empty variable as unset: an empty PURSER_DEV is not dev mode', () => {
    expect(() => loadConfig([], { PURSER_DEV: '' })).toThrow(/production mode needs/);
    expect(loadConfig(['--dev'], { PURSER_PORT: '' }).port).toBe(4000);
  });

  it('turns a default-true setting off with its flag: --no-flag or --flag=false, over the environment', () => {
    expect(loadConfig(['--dev'], {}).tokenFastPath).toBe(true);
    expect(loadConfig(['--dev', '--no-token-fast-path'], {}).tokenFastPath).toBe(false);
    expect(loadConfig(['--dev', '--token-fast-path=false'], { PURSER_TOKEN_FAST_PATH: 'true' }).tokenFastPath).toBe(false);
    expect(loadConfig(['--dev', '--token-fast-path=1'], { PURSER_TOKEN_FAST_PATH: 'false' }).tokenFastPath).toBe(true);
    expect(loadConfig(['--dev=true'], {}).dev).toBe(true);
  });

  it.each([
    [['--dev', '--token-fast-path=maybe'], {}, /--token-fast-path' does not take an argument/],
    [['--dev', '--port=-1'], {}, /--port: expected a whole number/],
    [[], { PURSER_DEV: 'yes' }, /PURSER_DEV: expected true or false/],
    [['--dev', '--bogus'], {}, /Unknown option '--bogus' \(purser server --help lists the flags\)/],
    [['--dev'], { PURSER_ACCESS_TOKEN_TTL: 'soon' }, /PURSER_ACCESS_TOKEN_TTL: expected a duration/],
    [['--dev', '--issuer=not a url'], {}, /PURSER_ISSUER: expected an absolute URL/],
    [[], {}, /production mode needs PURSER_REDIS_URL, PURSER_JWKS_FILE, PURSER_COOKIE_KEYS_FILE/],
    [['--dev', '--redis-mode=ring'], {}, /expected standalone, sentinel or cluster/],
    [['--dev', '--headers-timeout=10m'], {}, /PURSER_REQUEST_TIMEOUT must be at least PURSER_HEADERS_TIMEOUT/],
    [['--dev', '--trusted-proxy-hops=0'], {}, /PURSER_TRUSTED_PROXY_HOPS: expected 1 or more/],
    [['--dev', '--client-id-patterns=team-a=payments,payments'], {}, /PURSER_CLIENT_ID_PATTERNS: expected namespace=pattern \(e.g. team-a=payments\), got "payments"/],
  ])('refuses %j %j', (argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it('refuses a signing-key rotation period no longer than the time a Secret takes to reach every server', () => {
    const argv = ['--redis-url=redis://r', '--signing-key-rotation-period=5m', '--keys-propagation-delay=5m'];
    expect(() => loadConfig(argv, {}, 'controller')).toThrow(/PURSER_SIGNING_KEY_ROTATION_PERIOD must be longer than PURSER_KEYS_PROPAGATION_DELAY/);
    expect(loadConfig(argv, { PURSER_MANAGE_KEYS: 'false' }, 'controller').manageKeys).toBe(false);
    expect(loadConfig(['--redis-url=redis://r'], {}, 'controller')).toMatchObject({ keysSecret: 'purser-keys', signingKeyRotationPeriod: 30 * 86400, keysPropagationDelay: 300 });
  });

  it('defaults to the safe tenancy policy: no foreign client_id, no first-party namespace', () => {
    expect(loadConfig(['--redis-url=redis://r'], {}, 'controller')).toMatchObject({ clientIdPatterns: [], firstPartyNamespaces: [] });
    expect(loadConfig(['--redis-url=redis://r'], { PURSER_CLIENT_ID_PATTERNS: '*=*', PURSER_FIRST_PARTY_NAMESPACES: 'portal, team-a' }, 'controller')).toMatchObject({
      clientIdPatterns: ['*=*'],
      firstPartyNamespaces: ['portal', 'team-a'],
    });
  });
});
