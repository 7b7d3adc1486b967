// The signing keys handed to oidc-provider sign with node:crypto's callback `sign` instead of jose's WebCrypto path.
// oidc-provider signs every JWT it issues (id_tokens, JWT access tokens, userinfo, logout tokens) with jose's
// CompactSign, whose WebCrypto calls cost the main thread more per signature than node:crypto's `sign` (both run the
// RSA or ECDSA work itself on libuv's thread pool): for refresh_token, where every refresh signs an RS256 id_token, that
// is main-thread time the signing threads do not get (bench/README.md, issue 16). oidc-provider's ExternalSigningKey
// (features.externalSigningSupport, experimental-01) lets a key make its own signature: the JWS header and payload
// bytes stay the library's (lib/helpers/jwt.js), only the signature call changes. RS256 and EdDSA signatures are
// deterministic, so those tokens are the same bytes either way; ES256's are randomised on both paths.
import { constants, createPrivateKey, createPublicKey, sign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';

import { ExternalSigningKey } from 'oidc-provider';

import { canSign, type Jwk } from '../../api/key-set.ts';

/** node:crypto's digest and signature options per JWS algorithm (RFC 7518 §3.3–3.5, RFC 8037 §3.1); others are left to jose. */
const ALGORITHMS: Record<string, { digest: string | null; options: Omit<SignKeyObjectInput, 'key'> }> = {
  RS256: { digest: 'sha256', options: {} },
  RS384: { digest: 'sha384', options: {} },
  RS512: { digest: 'sha512', options: {} },
  PS256: { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
  PS384: { digest: 'sha384', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
  PS512: { digest: 'sha512', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } },
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } },
  ES384: { digest: 'sha384', options: { dsaEncoding: 'ieee-p1363' } },
  ES512: { digest: 'sha512', options: { dsaEncoding: 'ieee-p1363' } },
  EdDSA: { digest: null, options: {} },
  Ed25519: { digest: null, options: {} },
};

/** A private signing key of a known algorithm that oidc-provider asks to sign JWS inputs, on libuv's thread pool. */
export class NodeSigningKey extends ExternalSigningKey {
  /** The private key, for Purser's own signatures with the same key (the client_credentials fast path). */
  readonly privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #digest: string | null;
  readonly #options: SignKeyObjectInput;
  readonly #jwk: Jwk;

  constructor(jwk: Jwk & { alg: string; kid: string }) {
    super();
    const { digest, options } = ALGORITHMS[jwk.alg]!;
    this.privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
    this.#publicKey = createPublicKey(this.privateKey);
    this.#digest = digest;
    this.#options = { ...options, key: this.privateKey };
    this.#jwk = jwk;
    // The base class keeps both behind setters its type declarations leave out.
    Object.assign(this, { kid: jwk.kid, alg: jwk.alg });
  }

  /** The public key: what oidc-provider verifies its own tokens with and publishes (as a JWK) at jwks_uri. */
  override keyObject(): KeyObject {
    return this.#publicKey;
  }

  /** The JWS signature of `data` (the ASCII of header.payload), raw bytes as RFC 7515 §5.1 step 5 wants them. */
  override sign(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      sign(this.#digest, data, this.#options, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
  }

  // Published with the key as the file has them (an ExternalSigningKey has neither by default).
  override get key_ops(): string[] | undefined {
    return this.#jwk.key_ops;
  }

  override get x5c(): string[] | undefined {
    return this.#jwk.x5c as string[] | undefined;
  }
}

/** Whether `jwk` may sign (key-set.ts), with an id, for one algorithm node:crypto signs here, and is no encryption key. */
function signsHere(jwk: Jwk): jwk is Jwk & { alg: string; kid: string } {
  return canSign(jwk) && typeof jwk.kid === 'string' && typeof jwk.alg === 'string' && Object.hasOwn(ALGORITHMS, jwk.alg) && (jwk.use === undefined || jwk.use === 'sig');
}

/** The key set for oidc-provider's `jwks`: each signing key that node:crypto signs here wrapped, any other as it is. */
export function nodeSigningKeys(jwks: { keys: Jwk[] }): { keys: Array<Jwk | NodeSigningKey> } {
  return { keys: jwks.keys.map((jwk) => (signsHere(jwk) ? new NodeSigningKey(jwk) : jwk)) };
}
