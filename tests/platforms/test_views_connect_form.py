"""Connecting through a form (Mastodon's instance, Bluesky's app password), refreshing a channel's details,
and the channel page's plain statements: no inbox API, partner approval needed, quota used today."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone

from platforms import registry
from platforms.catalogue import FORM, OAUTH, platform_facts
from platforms.errors import ContentRejected, TransientError
from platforms.models import Channel
from platforms.quota import spend
from platforms.types import AccountInfo, AuthorizationStart, Capabilities, ChannelRef, TokenGrant
from tests.factories import ChannelFactory
from workspaces.models import AuditEvent, Member, Workspace

pytestmark = pytest.mark.django_db


class AskForm(forms.Form):
    server = forms.CharField(label="Server", max_length=100)
    secret = forms.CharField(label="Secret", widget=forms.PasswordInput)


class FormPlatform:
    """A platform that asks two questions, then signs in directly ("direct") or redirects ("redirect")."""

    platform = "formish"
    display_name = "Formish"
    capabilities = Capabilities(text_limit=500, length_rule="characters")
    connect_form = AskForm
    requires_partner_approval = True
    partner_approval_note = "Formish opens its API to approved partners only."
    daily_quota = 10_000
    calls: ClassVar[list[dict[str, Any]]] = []
    info: ClassVar[dict[str, Any]] = {"boards": [{"value": "b1", "label": "Spring"}]}

    def start_connect(self, data: dict[str, Any], redirect_uri: str) -> AuthorizationStart | TokenGrant:
        self.calls.append(data)
        if data["secret"] == "wrong":
            raise ContentRejected("Formish did not accept this secret.")
        if data["server"] == "redirect":
            return AuthorizationStart(url="https://formish.example/authorize?state=s1", state="s1",
                                      code_verifier='{"server": "redirect"}')
        return TokenGrant(access_token="form-token", refresh_token="form-refresh",
                          extra={"server": data["server"]})

    def verify(self, channel: ChannelRef) -> AccountInfo:
        if channel.credentials.access_token == "broken":
            raise TransientError("Formish is down for maintenance.")
        return AccountInfo(external_id="acct-1", display_name="Formish Brand", handle="brand",
                           info=dict(self.info))


@pytest.fixture
def formish() -> Iterator[type[FormPlatform]]:
    FormPlatform.calls.clear()
    registry.override("formish", FormPlatform)
    yield FormPlatform
    registry.override("formish", None)


def url(name: str, **kwargs: Any) -> str:
    return reverse(f"platforms:{name}", kwargs={"slug": "acme", **kwargs})


def test_a_form_platform_connects_with_the_answers_and_stores_its_details(
        admin_client: Any, formish: type[FormPlatform], workspace: Workspace) -> None:
    page = admin_client.get(url("connect_form", platform="formish"))
    assert page.status_code == 200 and b'name="server"' in page.content and b'type="password"' in page.content

    response = admin_client.post(url("connect_form", platform="formish"), {"server": "home", "secret": "s3cret"})

    assert response.status_code == 302 and response["Location"] == url("list")
    channel = Channel.objects.get(workspace=workspace, platform="formish")
    assert channel.credentials["access_token"] == "form-token"
    assert channel.platform_info == {"boards": [{"value": "b1", "label": "Spring"}]}
    assert formish.calls == [{"server": "home", "secret": "s3cret"}]
    assert AuditEvent.objects.filter(action="channel.connected", workspace=workspace).count() == 1


def test_a_form_platform_may_send_the_browser_on_to_sign_in(admin_client: Any, formish: type[FormPlatform]) -> None:
    response = admin_client.post(url("connect_form", platform="formish"), {"server": "redirect", "secret": "x"})

    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc == "formish.example"
    pending = admin_client.session["platforms_oauth_pending"]
    assert pending["s1"]["platform"] == "formish"  # the usual callback takes it from here
    assert not Channel.objects.filter(platform="formish").exists()


def test_missing_answers_and_refusals_are_shown_on_the_form_and_store_nothing(
        admin_client: Any, formish: type[FormPlatform]) -> None:
    empty = admin_client.post(url("connect_form", platform="formish"), {"server": "", "secret": ""})
    assert empty.status_code == 400 and b"is-invalid" in empty.content
    assert formish.calls == []

    refused = admin_client.post(url("connect_form", platform="formish"), {"server": "home", "secret": "wrong"})
    assert refused.status_code == 400
    assert "Formish did not accept this secret." in refused.content.decode()
    assert b"wrong" not in refused.content  # a password is never echoed back
    assert not Channel.objects.filter(platform="formish").exists()


def test_only_admins_use_the_form_and_oauth_platforms_have_none(client: Any, marketer: Member, admin_client: Any,
                                                                formish: type[FormPlatform]) -> None:
    assert admin_client.get(url("connect_form", platform="x")).status_code == 404
    assert admin_client.get(url("connect_form", platform="nope")).status_code == 404
    client.force_login(marketer.user)  # the same test client: admin_client signed in `client`
    assert client.get(url("connect_form", platform="formish")).status_code == 403


def test_refresh_details_asks_the_platform_again(admin_client: Any, formish: type[FormPlatform],
                                                 workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="formish", external_id="acct-1", display_name="Old",
                             credentials={"access_token": "ok"})
    formish.info = {"boards": [{"value": "b2", "label": "Autumn"}]}

    response = admin_client.post(url("refresh", channel_id=channel.pk))

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.display_name == "Formish Brand" and channel.platform_info["boards"][0]["value"] == "b2"
    assert AuditEvent.objects.filter(action="channel.refreshed").count() == 1


def test_refresh_details_explains_a_platform_error_and_keeps_what_was_known(
        admin_client: Any, formish: type[FormPlatform], workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="formish", display_name="Kept",
                             credentials={"access_token": "broken"}, platform_info={"boards": []})

    page = admin_client.post(url("refresh", channel_id=channel.pk), follow=True)

    assert "Formish is down for maintenance." in page.content.decode()
    channel.refresh_from_db()
    assert channel.display_name == "Kept"


def test_refresh_is_for_admins_of_this_workspace_only(client: Any, marketer: Member, admin_client: Any,
                                                      formish: type[FormPlatform], workspace: Workspace) -> None:
    ours = ChannelFactory(workspace=workspace, platform="formish", credentials={"access_token": "ok"})
    theirs = ChannelFactory(platform="formish", credentials={"access_token": "ok"})
    assert admin_client.post(url("refresh", channel_id=theirs.pk)).status_code == 404
    assert admin_client.get(url("refresh", channel_id=ours.pk)).status_code == 405
    client.force_login(marketer.user)  # the same test client: admin_client signed in `client`
    assert client.post(url("refresh", channel_id=ours.pk)).status_code == 403


def test_the_channel_page_says_what_a_platform_cannot_do(admin_client: Any, formish: type[FormPlatform],
                                                         workspace: Workspace) -> None:
    channel = ChannelFactory(workspace=workspace, platform="formish", external_id="acct-9",
                             credentials={"access_token": "ok"})
    spend("formish", "acct-9", 1600)
    spend("formish", "acct-9", 50)
    spend("formish", "acct-9", 7, now=timezone.now() - timedelta(days=2))  # another day: not today's

    html = admin_client.get(url("list")).content.decode()

    row = html[html.index(f'id="channel-{channel.pk}"'):]
    assert "No inbox: Formish has no API for comments or messages." in row
    assert "Needs Formish's approval" in row
    assert "API quota used today: 1650 of 10000 units" in row
    panel = html[html.index('data-connect="formish"'):]
    assert url("connect_form", platform="formish") in panel[:600]
    assert "Publishing only" in panel[:1500]


def test_catalogue_reads_the_adapters(formish: type[FormPlatform]) -> None:
    facts = platform_facts("formish")
    assert (facts.connect, facts.has_inbox, facts.needs_partner_approval, facts.daily_quota) == (FORM, False,
                                                                                                 True, 10_000)
    x = platform_facts("x")
    assert (x.connect, x.has_inbox, x.needs_partner_approval) == (OAUTH, True, False)
    assert platform_facts("instagram").connect == ""  # connected through Facebook's Page picker
