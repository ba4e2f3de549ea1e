"""X OAuth 1.0a 3-legged flow against the sandbox, over real HTTP, signed by requests-oauthlib."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1

from platforms.http import RewritingAdapter

KEY, SECRET = "oauth1-consumer", "oauth1-consumer-secret"
CALLBACK = "https://smo.example/w/acme/channels/callback/x/?tab=1"


@pytest.fixture
def registered(sb):
    sb.register_client("x", KEY, SECRET)
    return sb


def url(sb, path: str) -> str:
    return f"{sb.base_url}/x{path}"


def request_token(sb, *, secret: str = SECRET, callback: str | None = CALLBACK, key: str = KEY) -> requests.Response:
    return requests.post(url(sb, "/oauth/request_token"), auth=OAuth1(key, client_secret=secret, callback_uri=callback),
                         timeout=10)


def new_request_token(sb) -> dict[str, str]:
    response = request_token(sb)
    assert response.status_code == 200, response.text
    return dict(parse_qsl(response.text))


def decide(sb, token: str, decision: str = "approve", username: str = "smo_demo") -> requests.Response:
    return requests.post(url(sb, "/oauth/authorize"),
                         data={"oauth_token": token, "decision": decision, "username": username},
                         allow_redirects=False, timeout=10)


def approved(sb) -> tuple[dict[str, str], str]:
    """A request token the user approved, and its verifier."""
    token = new_request_token(sb)
    answer = decide(sb, token["oauth_token"])
    assert answer.status_code == 302, answer.text
    return token, parse_qs(urlsplit(answer.headers["Location"]).query)["oauth_verifier"][0]


def access_token(sb, token: dict[str, str], verifier: str, *, secret: str = SECRET) -> requests.Response:
    auth = OAuth1(KEY, client_secret=secret, resource_owner_key=token["oauth_token"],
                  resource_owner_secret=token["oauth_token_secret"], verifier=verifier)
    return requests.post(url(sb, "/oauth/access_token"), auth=auth, timeout=10)


# -- request token ----------------------------------------------------------------------------

def test_request_token_answers_form_encoded_for_a_correctly_signed_request(registered):
    response = request_token(registered)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    body = dict(parse_qsl(response.text))
    assert set(body) == {"oauth_token", "oauth_token_secret", "oauth_callback_confirmed"}
    assert body["oauth_callback_confirmed"] == "true" and body["oauth_token"] != body["oauth_token_secret"]


def test_a_wrong_consumer_secret_is_refused_when_the_consumer_is_registered(registered):
    response = request_token(registered, secret="not-the-secret")
    assert response.status_code == 401
    assert response.json() == {"errors": [{"code": 32, "message": "Could not authenticate you."}]}


def test_unregistered_consumers_are_accepted_unchecked(sb):
    assert request_token(sb, key="someone-else", secret="anything").status_code == 200


def test_the_signature_covers_the_original_url_the_seam_rewrote(registered):
    """Signed over https://api.x.com/oauth/request_token, delivered to /x/oauth/request_token."""
    session = requests.Session()
    session.mount("https://api.x.com/", RewritingAdapter("https://api.x.com", f"{registered.base_url}/x", 5, 10))
    auth = OAuth1(KEY, client_secret=SECRET, callback_uri=CALLBACK)
    assert session.post("https://api.x.com/oauth/request_token", auth=auth, timeout=10).status_code == 200
    # The same signature claimed for another host does not verify.
    forged = requests.Request("POST", "https://api.x.com/oauth/request_token", auth=auth).prepare()
    forged.url = url(registered, "/oauth/request_token")
    forged.headers["X-Forwarded-Host"] = "evil.example"
    assert session.send(forged, timeout=10).status_code == 401


def test_missing_oauth_parameters_are_bad_authentication_data(sb):
    response = requests.post(url(sb, "/oauth/request_token"), timeout=10)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": 215, "message": "Bad Authentication data."}]}


@pytest.mark.parametrize("callback", [None, "javascript:alert(1)", "/relative/only"])
def test_a_missing_or_unusable_callback_is_not_approved(sb, callback):
    response = request_token(sb, callback=callback)
    assert response.status_code == 403
    assert '<error code="415">Callback URL not approved for this client application.' in response.text


# -- consent ----------------------------------------------------------------------------------

def test_authorize_page_offers_approve_and_deny_and_escapes_the_consumer(sb):
    hostile = '<script>alert("x")</script>'
    response = request_token(sb, key=hostile)
    token = dict(parse_qsl(response.text))["oauth_token"]
    page = requests.get(url(sb, "/oauth/authorize"), params={"oauth_token": token}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert f'<input type="hidden" name="oauth_token" value="{html.escape(token)}">' in page.text
    assert ">Approve</button>" in page.text and ">Deny</button>" in page.text


def test_authorize_with_an_unknown_token_is_an_error_page(sb):
    page = requests.get(url(sb, "/oauth/authorize"), params={"oauth_token": "nope"}, timeout=10)
    assert page.status_code == 400 and "no longer valid" in page.text


def test_approve_redirects_with_token_and_verifier_keeping_the_callback_query(sb):
    token = new_request_token(sb)
    answer = decide(sb, token["oauth_token"], username="oauth1_brand")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK.split("?")[0]
    query = parse_qs(location.query)
    assert set(query) == {"tab", "oauth_token", "oauth_verifier"}
    assert query["tab"] == ["1"] and query["oauth_token"] == [token["oauth_token"]]
    assert "oauth1_brand" in [account["username"] for account in sb.accounts("x")]
    # Approved once: the consent page cannot be answered again for the same token.
    assert decide(sb, token["oauth_token"]).status_code == 400


def test_deny_redirects_with_denied_and_spends_the_token(sb):
    token = new_request_token(sb)
    answer = decide(sb, token["oauth_token"], decision="deny")
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query) == {"tab": ["1"], "denied": [token["oauth_token"]]}
    page = requests.get(url(sb, "/oauth/authorize"), params={"oauth_token": token["oauth_token"]}, timeout=10)
    assert page.status_code == 400


def test_a_bad_username_is_refused_on_the_page(sb):
    token = new_request_token(sb)
    answer = decide(sb, token["oauth_token"], username="<b>x y</b>")
    assert answer.status_code == 400 and "&lt;b&gt;x y&lt;/b&gt;" in answer.text


# -- access token -----------------------------------------------------------------------------

def test_full_round_trip_mints_a_working_user_token(registered):
    token, verifier = approved(registered)
    response = access_token(registered, token, verifier)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    body = dict(parse_qsl(response.text))
    assert set(body) == {"oauth_token", "oauth_token_secret", "user_id", "screen_name"}
    assert (body["user_id"], body["screen_name"]) == ("1700000000000000001", "smo_demo")
    assert re.fullmatch(r"1700000000000000001-[\w-]+", body["oauth_token"])
    me = requests.get(url(registered, "/2/users/me"), timeout=10,
                      auth=OAuth1(KEY, client_secret=SECRET, resource_owner_key=body["oauth_token"],
                                  resource_owner_secret=body["oauth_token_secret"]))
    assert me.status_code == 200 and me.json()["data"]["username"] == "smo_demo"


def test_the_verifier_is_single_use(registered):
    token, verifier = approved(registered)
    assert access_token(registered, token, verifier).status_code == 200
    again = access_token(registered, token, verifier)
    assert again.status_code == 401
    assert again.text == "Error processing your OAuth request: Invalid request token."


def test_a_wrong_verifier_fails_and_spends_the_request_token(registered):
    token, verifier = approved(registered)
    wrong = access_token(registered, token, "guessed")
    assert wrong.status_code == 401
    assert wrong.text == "Error processing your OAuth request: Invalid oauth_verifier parameter"
    assert access_token(registered, token, verifier).status_code == 401


def test_an_unapproved_request_token_cannot_be_exchanged(registered):
    token = new_request_token(registered)
    response = access_token(registered, token, "anything")
    assert response.status_code == 401 and "Invalid oauth_verifier parameter" in response.text


def test_the_access_request_must_be_signed_with_the_request_token_secret(registered):
    token, verifier = approved(registered)
    forged = dict(token, oauth_token_secret="not-the-request-token-secret")
    response = access_token(registered, forged, verifier)
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == 32
    assert access_token(registered, token, verifier).status_code == 200  # a forgery does not spend it


def test_reset_forgets_request_tokens(registered):
    token, verifier = approved(registered)
    registered.reset()
    assert access_token(registered, token, verifier).status_code == 401
