"""Connecting Mastodon against the live sandbox: app registration per instance (once, reused, again when
forgotten), the authorize page, the code exchange, verify, refresh, and the channel SMO stores."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from platforms import services
from platforms.errors import AuthExpired, NotSupported
from platforms.mastodon import MastodonAdapter, registration
from platforms.mastodon.registration import App
from platforms.models import MastodonApp
from platforms.types import AuthorizationStart, ChannelRef, Credentials
from tests.factories import WorkspaceFactory

INSTANCE = "https://mastodon.example"
REDIRECT = "https://smo.example/w/acme/channels/callback/mastodon/"


@pytest.fixture
def sandbox(live_sandbox: Any, settings: Any) -> Any:
    live_sandbox.reset()
    settings.PLATFORM_ORIGINS = live_sandbox.origins()
    return live_sandbox


def approve(start: AuthorizationStart, username: str = "smo_demo", decision: str = "approve") -> dict[str, str]:
    """Submit the sandbox's consent form the way a browser would; returns the callback's query."""
    page = requests.get(start.url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = {k: unescape(v) for k, v in fields.items()} | {"username": username, "decision": decision}
    answer = requests.post(start.url.split("?", 1)[0], data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def app_registrations(sandbox: Any) -> int:
    return sum(1 for r in sandbox.requests_log(platform="mastodon") if r["path"] == "/api/v1/apps")


@pytest.mark.django_db
def test_connect_registers_once_signs_in_and_learns_the_instance_limit(sandbox: Any) -> None:
    sandbox.set_faults({"mastodon_max_characters": 1000})
    adapter = MastodonAdapter()
    start = adapter.start_connect({"instance": INSTANCE}, REDIRECT)
    assert start.url.startswith(sandbox.origins()[INSTANCE] + "/oauth/authorize?")
    assert json.loads(start.code_verifier) == {"instance": INSTANCE}
    answer = approve(start)
    assert answer["state"] == start.state
    grant = adapter.exchange_code(answer["code"], REDIRECT, start.code_verifier)
    assert grant.extra == {"instance_url": INSTANCE, "max_characters": 1000} and grant.expires_at is None
    assert set(grant.scopes) == {"read", "write"}
    workspace = WorkspaceFactory()
    channel = services.channel_connect_grant(workspace, "mastodon", grant)
    assert channel.handle == "smo_demo@mastodon.example"
    assert channel.credentials["instance_url"] == INSTANCE and channel.credentials["max_characters"] == 1000
    assert channel.platform_info["max_characters"] == 1000
    stored = MastodonApp.objects.get()
    assert stored.instance_url == INSTANCE and stored.secrets["client_secret"]

    adapter.start_connect({"instance": INSTANCE}, REDIRECT)  # a second account on the same instance
    assert MastodonApp.objects.count() == 1 and app_registrations(sandbox) == 1


@pytest.mark.django_db
def test_an_instance_that_forgot_the_app_gets_a_new_registration(sandbox: Any) -> None:
    adapter = MastodonAdapter()
    adapter.start_connect({"instance": INSTANCE}, REDIRECT)
    first = MastodonApp.objects.get().client_id
    sandbox.reset()  # the instance forgot every app
    start = adapter.start_connect({"instance": INSTANCE}, REDIRECT)
    second = MastodonApp.objects.get().client_id
    assert second != first and app_registrations(sandbox) == 1  # the log was reset with the instance
    grant = adapter.exchange_code(approve(start)["code"], REDIRECT, start.code_verifier)
    assert adapter.verify(ChannelRef("mastodon", "", "", Credentials(grant.access_token, extra=grant.extra))).handle \
        == "smo_demo@mastodon.example"


@pytest.mark.django_db
def test_invalid_client_at_token_time_registers_again_and_asks_to_connect_once_more(sandbox: Any) -> None:
    adapter = MastodonAdapter()
    start = adapter.start_connect({"instance": INSTANCE}, REDIRECT)
    code = approve(start)["code"]
    before = MastodonApp.objects.get().client_id
    sandbox.reset()
    with pytest.raises(AuthExpired, match="registered it again"):
        adapter.exchange_code(code, REDIRECT, start.code_verifier)
    assert MastodonApp.objects.get().client_id != before and app_registrations(sandbox) == 1


@pytest.mark.django_db
def test_a_denied_sign_in_comes_back_as_access_denied(sandbox: Any) -> None:
    start = MastodonAdapter().start_connect({"instance": INSTANCE}, REDIRECT)
    assert approve(start, decision="deny")["error"] == "access_denied"


@pytest.mark.django_db
def test_two_first_registrations_at_once_keep_one_app(sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    real_register = registration.register

    def racing(instance: str, redirect_uri: str) -> App:
        ours = real_register(instance, redirect_uri)
        winner = real_register(instance, redirect_uri)  # another worker's, stored first
        MastodonApp.objects.create(instance_url=instance, client_id=winner.client_id,
                                   secrets={"client_secret": winner.client_secret}, redirect_uri=redirect_uri,
                                   scopes=winner.scopes)
        return ours

    monkeypatch.setattr(registration, "register", racing)
    app = registration.app_for(INSTANCE, REDIRECT)
    stored = MastodonApp.objects.get()
    assert app.client_id == stored.client_id


@pytest.mark.django_db
def test_refresh_keeps_the_token_until_it_is_revoked(sandbox: Any) -> None:
    minted = sandbox.mint_token("mastodon", "smo_demo")
    ref = ChannelRef("mastodon", minted["account_id"], "smo_demo",
                     Credentials(access_token=minted["access_token"], extra={"instance_url": INSTANCE}))
    assert MastodonAdapter().refresh(ref).access_token == minted["access_token"]
    sandbox.expire_tokens("mastodon", token=minted["access_token"])
    with pytest.raises(AuthExpired, match="Connect the channel again"):
        MastodonAdapter().refresh(ref)


def test_the_plain_oauth_start_asks_for_the_form() -> None:
    with pytest.raises(NotSupported):
        MastodonAdapter().authorization_url(REDIRECT)
