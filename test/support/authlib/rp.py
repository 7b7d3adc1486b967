"""A relying party written with Authlib's requests client, driven by test/integration/authlib.test.ts.

Usage: rp.py ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI

Prints {"authorization_url": ...} on one line, reads the URL the browser was redirected back to from stdin (the test
harness plays the user on the real login and consent pages), then runs the rest of a web app's life with Authlib:
code exchange with PKCE S256, id_token validation against the JWKS (as Authlib's own framework clients do it),
userinfo, refresh, introspection, revocation. Prints one JSON report of what Authlib returned at each step; an
exception is reported as {"exception": ...} with exit status 1.
"""

import json
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry


def validate_id_token(id_token, metadata, client_id, access_token, nonce=None):
    """The claims of an id_token that Authlib's CodeIDToken accepts (signature, iss, aud, exp, iat, at_hash, nonce)."""
    jwks = requests.get(metadata["jwks_uri"], timeout=10).json()
    token = jwt.decode(
        id_token,
        KeySet.import_key_set(jwks),
        registry=JWSRegistry(algorithms=metadata["id_token_signing_alg_values_supported"]),
    )
    params = {"client_id": client_id, "access_token": access_token}
    if nonce is not None:
        params["nonce"] = nonce
    claims = CodeIDToken(token.claims, token.header, {"iss": {"values": [metadata["issuer"]]}}, params)
    claims.validate(leeway=5)
    return {"header": dict(token.header), "claims": dict(claims)}


def main(issuer, client_id, client_secret, redirect_uri):
    metadata = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
    session = OAuth2Session(
        client_id,
        client_secret,
        scope="openid profile email offline_access",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    report = {}

    code_verifier = generate_token(48)
    nonce = generate_token(20)
    # offline_access is honoured only with prompt=consent (OIDC Core §11).
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce, prompt="consent"
    )
    print(json.dumps({"authorization_url": url}), flush=True)
    callback = sys.stdin.readline().strip()

    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=code_verifier
    )
    report["token"] = {key: token.get(key) for key in ("token_type", "expires_in", "scope")}
    report["token"]["has"] = sorted(key for key in ("access_token", "refresh_token", "id_token") if token.get(key))
    report["id_token"] = validate_id_token(token["id_token"], metadata, client_id, token["access_token"], nonce)
    report["userinfo"] = session.get(metadata["userinfo_endpoint"]).json()

    refreshed = session.refresh_token(metadata["token_endpoint"], refresh_token=token["refresh_token"])
    report["refresh"] = {
        "new_access_token": refreshed["access_token"] != token["access_token"],
        "new_refresh_token": refreshed["refresh_token"] != token["refresh_token"],
        "id_token": validate_id_token(refreshed["id_token"], metadata, client_id, refreshed["access_token"]),
    }

    def introspect(value, hint):
        return session.introspect_token(
            metadata["introspection_endpoint"], token=value, token_type_hint=hint
        ).json()

    report["introspection"] = {
        "access_token": introspect(refreshed["access_token"], "access_token"),
        "refresh_token": introspect(refreshed["refresh_token"], "refresh_token"),
        "spent_refresh_token": introspect(token["refresh_token"], "refresh_token"),
    }

    revocation = session.revoke_token(
        metadata["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    report["revocation"] = {
        "status": revocation.status_code,
        "refresh_token_after": introspect(refreshed["refresh_token"], "refresh_token"),
    }
    try:
        session.refresh_token(metadata["token_endpoint"], refresh_token=refreshed["refresh_token"])
        report["revocation"]["refresh_after"] = "succeeded"
    except OAuthError as error:
        report["revocation"]["refresh_after"] = {"error": error.error, "description": error.description}

    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:5])
    except Exception as error:  # reported to the test, which shows it
        print(json.dumps({"exception": f"{type(error).__name__}: {error}"}), flush=True)
        sys.exit(1)
