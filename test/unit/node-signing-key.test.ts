import { generateKeyPairSync } from 'node:crypto';

import { compactVerify, importJWK } from 'jose';
import Provider from 'oidc-provider';
import { sign } from 'oidc-provider/lib/helpers/jwt.js';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { describe, expect, it } from 'vitest';

import { generateSigningKeys, type Jwk } from '../../src/api/key-set.ts';
import { NodeSigningKey, nodeSigningKeys } from '../../src/server/provider/node-signing-key.ts';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as Jwk;
const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' }) as Jwk;
const ed25519 = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as Jwk;

const CASES: Array<[alg: string, key: () => Jwk, deterministic: boolean]> = [
  ['RS256', rsa, true],
  ['RS512', rsa, true],
  ['PS256', rsa, false],
  ['ES256', () => ec('P-256'), false],
  ['ES384', () => ec('P-384'), false],
  ['EdDSA', ed25519, true],
];

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];
const publicJwk = (jwk: Jwk): Jwk => Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.includes(name))) as Jwk;
// With iat and exp given, the payload does not depend on the clock (lib/helpers/jwt.js).
const claims = () => ({ sub: 'user-1', aud: 'webapp', iat: 1_700_000_000, exp: 1_700_000_060, nonce: 'n-0S6_WzA2Mj', at_hash: '77QmUPtjPfzWtF2AnpK9RQ' });

describe('signing keys signed with node:crypto (oidc-provider ExternalSigningKey)', () => {
  it.each(CASES)('%s: the JWS oidc-provider writes verifies with the public key, the same bytes when the algorithm is deterministic (RFC 7515 §5.1)', async (alg, make, deterministic) => {
    const jwk = { ...make(), alg, kid: `${alg}-kid` };
    const options = { typ: 'JWT', fields: { kid: jwk.kid }, issuer: 'https://issuer.test' };
    const viaNode = await sign(claims(), new NodeSigningKey(jwk), alg, options);
    const verified = await compactVerify(viaNode, await importJWK(publicJwk(jwk), alg));
    expect(verified.protectedHeader).toEqual({ alg, typ: 'JWT', kid: jwk.kid });
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toMatchObject(claims());
    const viaJose = await sign(claims(), jwk, alg, options);
    // Header and payload are the library's bytes either way.
    expect(viaNode.split('.').slice(0, 2)).toEqual(viaJose.split('.').slice(0, 2));
    if (deterministic) expect(viaNode).toBe(viaJose);
  });

  it('wraps only keys that may sign with an algorithm signed here: a verify-only key, an encryption key, a key without alg stay as they are', () => {
    const verifyOnly = { ...rsa(), alg: 'RS256', kid: 'old', key_ops: ['verify'] };
    const encryption = { ...rsa(), alg: 'RSA-OAEP', kid: 'enc', use: 'enc' };
    const noAlg = { ...ec('P-256'), kid: 'no-alg' };
    const publicOnly = { ...publicJwk(rsa()), alg: 'RS256', kid: 'public' };
    const signing = { ...rsa(), alg: 'RS256', kid: 'new', use: 'sig' };
    const { keys } = nodeSigningKeys({ keys: [verifyOnly, encryption, noAlg, publicOnly, signing] });
    expect(keys.slice(0, 4)).toEqual([verifyOnly, encryption, noAlg, publicOnly]);
    expect(keys[4]).toBeInstanceOf(NodeSigningKey);
    expect(keys[4]).toMatchObject({ kid: 'new', alg: 'RS256', use: 'sig' });
  });

  it('publish the same jwks_uri document as the private JWKs they wrap, and keep the same signing algorithms', () => {
    const jwks = generateSigningKeys();
    jwks.keys.push({ ...rsa(), alg: 'RS256', kid: 'retired', key_ops: ['verify'] }, { ...rsa(), alg: 'RS256', kid: 'listed', key_ops: ['sign', 'verify'], x5c: ['MIIBcertificate'] });
    const build = (keys: unknown) => new Provider('https://issuer.test', { jwks: keys as never, features: { devInteractions: { enabled: false }, externalSigningSupport: { enabled: true, ack: 'experimental-01' } } });
    type State = { jwks: unknown; configuration: { idTokenSigningAlgValues: string[] } };
    const plain = instance(build(jwks)) as unknown as State;
    const wrapped = instance(build(nodeSigningKeys(jwks))) as unknown as State;
    expect(wrapped.jwks).toEqual(plain.jwks);
    expect(JSON.stringify(wrapped.jwks)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
    expect(wrapped.configuration.idTokenSigningAlgValues).toEqual(plain.configuration.idTokenSigningAlgValues);
  });
});
