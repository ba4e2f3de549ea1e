"""X OAuth 2.0 Authorization Code + PKCE against the sandbox, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REDIRECT = "https://smo.example/oauth/x/callback"
SCOPES = "tweet.read tweet.write users.read offline.access"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize_params(challenge: str, method: str = "S256", **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code", "client_id": "smo-client", "redirect_uri": REDIRECT, "scope": SCOPES,
        "state": "st-123", "code_challenge": challenge, "code_challenge_method": method,
    }
    params.update(overrides)
    return params


def approve(base_url: str, params: dict[str, str], username: str = "smo_demo",
            decision: str = "approve") -> requests.Response:
    form = {**params, "username": username, "decision": decision}
    return requests.post(f"{base_url}/x/i/oauth2/authorize", data=form, allow_redirects=False, timeout=10)


def get_code(base_url: str, verifier: str, **overrides: str) -> str:
    response = approve(base_url, authorize_params(s256(verifier), **overrides))
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]


def exchange(base_url: str, code: str, verifier: str, *, auth: tuple[str, str] | None = ("smo-client", "s3cret"),
             **extra: str) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "code_verifier": verifier, **extra}
    return requests.post(f"{base_url}/x/2/oauth2/token", data=data, auth=auth, timeout=10)


def me(base_url: str, token: str) -> requests.Response:
    return requests.get(f"{base_url}/x/2/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_authorize_page_renders_and_escapes_hostile_client_id(sb):
    hostile = '<script>alert("pwned")</script>'
    params = authorize_params(s256("v" * 43), client_id=hostile)
    response = requests.get(f"{sb.base_url}/x/i/oauth2/authorize", params=params, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in response.text
    assert 'value="smo_demo"' in response.text
    assert ">Approve</button>" in response.text and ">Deny</button>" in response.text
    for scope in SCOPES.split():
        assert scope in response.text


@pytest.mark.parametrize("broken", [
    {"client_id": ""}, {"response_type": "token"}, {"redirect_uri": "javascript:alert(1)"},
    {"scope": "tweet.read nonsense.scope"}, {"state": ""}, {"code_challenge": ""},
    {"code_challenge_method": "S512"},
])
def test_authorize_rejects_bad_parameters_with_readable_page(sb, broken):
    params = authorize_params(s256("v" * 43), **broken)
    response = requests.get(f"{sb.base_url}/x/i/oauth2/authorize", params=params, timeout=10,
                            allow_redirects=False)
    assert response.status_code == 400
    assert "Something went wrong" in response.text


def test_approve_redirects_with_code_and_state_keeping_existing_query(sb):
    params = authorize_params(s256("v" * 43), redirect_uri=REDIRECT + "?channel=7")
    response = approve(sb.base_url, params)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    assert query["channel"] == ["7"] and query["state"] == ["st-123"] and query["code"][0]


def test_deny_redirects_with_access_denied(sb):
    response = approve(sb.base_url, authorize_params(s256("v" * 43)), decision="deny")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query == {"error": ["access_denied"], "state": ["st-123"]}


def test_approve_as_new_account_creates_it_and_bad_username_is_refused(sb):
    assert approve(sb.base_url, authorize_params(s256("v" * 43)), username="new_brand").status_code == 302
    assert "new_brand" in [a["username"] for a in sb.accounts("x")]
    bad = approve(sb.base_url, authorize_params(s256("v" * 43)), username="<b>no spaces</b>")
    assert bad.status_code == 400
    assert "&lt;b&gt;no spaces&lt;/b&gt;" in bad.text and "<b>no spaces" not in bad.text


def test_full_pkce_round_trip_s256(sb):
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier)

    wrong = exchange(sb.base_url, code, "not-the-verifier")
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_request",
                            "error_description": "Value passed for the code verifier did not match the code challenge."}

    response = exchange(sb.base_url, code, verifier)
    assert response.status_code == 200, response.text
    token = response.json()
    assert set(token) == {"token_type", "expires_in", "access_token", "scope", "refresh_token"}
    assert token["token_type"] == "bearer" and token["expires_in"] == 7200 and token["scope"] == SCOPES
    assert response.headers["Cache-Control"] == "no-store"

    user = me(sb.base_url, token["access_token"])
    assert user.status_code == 200
    assert user.json()["data"]["username"] == "smo_demo"


def test_plain_challenge_method(sb):
    code = get_code(sb.base_url, "plain-verifier-" + "x" * 30, code_challenge="plain-verifier-" + "x" * 30,
                    code_challenge_method="plain")
    assert exchange(sb.base_url, code, "plain-verifier-" + "x" * 30).status_code == 200


def test_code_is_single_use_and_a_replay_revokes_its_tokens(sb):
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier)
    first = exchange(sb.base_url, code, verifier).json()
    again = exchange(sb.base_url, code, verifier)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_request",
                            "error_description": "Value passed for the authorization code was invalid."}
    assert me(sb.base_url, first["access_token"]).status_code == 401  # RFC 6749 §4.1.2


def test_redirect_uri_must_match(sb):
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier)
    response = exchange(sb.base_url, code, verifier, redirect_uri="https://evil.example/cb")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_no_refresh_token_without_offline_access(sb):
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier, scope="tweet.read users.read")
    token = exchange(sb.base_url, code, verifier).json()
    assert "refresh_token" not in token
    assert token["scope"] == "tweet.read users.read"


def test_refresh_rotates_and_old_refresh_token_is_rejected(sb):
    verifier = secrets.token_urlsafe(48)
    first = exchange(sb.base_url, get_code(sb.base_url, verifier), verifier).json()
    url = f"{sb.base_url}/x/2/oauth2/token"
    body = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = requests.post(url, data=body, auth=("smo-client", "s3cret"), timeout=10)
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["access_token"] != first["access_token"]
    assert rotated["refresh_token"] != first["refresh_token"]
    assert me(sb.base_url, rotated["access_token"]).status_code == 200

    replay = requests.post(url, data=body, auth=("smo-client", "s3cret"), timeout=10)
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}


def test_public_client_sends_client_id_in_body(sb):
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier)
    response = exchange(sb.base_url, code, verifier, auth=None, client_id="smo-client")
    assert response.status_code == 200, response.text


def test_bad_client_authentication_is_401(sb):
    sb.register_client("x", "smo-client", "the-real-secret")
    verifier = secrets.token_urlsafe(48)
    code = get_code(sb.base_url, verifier)
    wrong_secret = exchange(sb.base_url, code, verifier, auth=("smo-client", "guess"))
    assert wrong_secret.status_code == 401
    assert wrong_secret.json() == {"error": "unauthorized_client",
                                   "error_description": "Missing valid authorization header"}
    assert exchange(sb.base_url, code, verifier, auth=None).status_code == 401  # no client at all
    assert exchange(sb.base_url, code, verifier, auth=None, client_id="smo-client").status_code == 401
    assert exchange(sb.base_url, code, verifier, auth=("smo-client", "the-real-secret")).status_code == 200


def test_token_endpoint_parameter_errors(sb):
    url = f"{sb.base_url}/x/2/oauth2/token"
    missing = requests.post(url, data={"grant_type": "authorization_code"}, auth=("c", "s"), timeout=10)
    assert missing.status_code == 400
    assert missing.json()["error_description"] == "Missing required parameter [code]."
    odd = requests.post(url, data={"grant_type": "password"}, auth=("c", "s"), timeout=10)
    assert odd.status_code == 400 and odd.json()["error"] == "unsupported_grant_type"


def test_revoke_endpoint(sb):
    verifier = secrets.token_urlsafe(48)
    token = exchange(sb.base_url, get_code(sb.base_url, verifier), verifier).json()
    response = requests.post(f"{sb.base_url}/x/2/oauth2/revoke", auth=("smo-client", "s3cret"),
                             data={"token": token["access_token"]}, timeout=10)
    assert response.json() == {"revoked": True}
    assert me(sb.base_url, token["access_token"]).status_code == 401
