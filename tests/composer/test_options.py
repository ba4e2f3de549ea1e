"""Per-channel platform options in the composer and the API: the fields each platform declares, kept to
their kinds, stored on the variant, judged by the adapter live, frozen into what is sent and bound by approvals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from api.tokens import token_create
from approvals.content import post_content_hash
from platforms import registry
from platforms.options import BOOLEAN, CHOICE, DATETIME, TAGS, OptionField
from platforms.types import Capabilities, PublishRequest
from scheduler.models import Post, Variant
from scheduler.rendering import payload_of, render_for
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]


class VideoSite:
    """A platform that wants a title, a privacy level, tags, a board from the channel and a release time."""

    platform = "videosite"
    display_name = "VideoSite"
    capabilities = Capabilities(text_limit=5000, length_rule="characters")
    option_fields = (
        OptionField("title", "Title", required=True, max_length=100),
        OptionField("privacy", "Privacy", kind=CHOICE, choices=(("public", "Public"), ("private", "Private"))),
        OptionField("tags", "Tags", kind=TAGS),
        OptionField("board", "Board", kind=CHOICE, choices_from="boards"),
        OptionField("for_kids", "Made for kids", kind=BOOLEAN),
        OptionField("release_at", "Release at", kind=DATETIME),
    )

    def validate(self, request: PublishRequest) -> list[str]:
        return [] if request.options.get("title") else ["VideoSite needs a title for every video."]

    def fingerprint(self, request: PublishRequest) -> str:
        return request.options.get("title", "")


@pytest.fixture(autouse=True)
def videosite() -> Iterator[None]:
    cache.clear()
    registry.override("videosite", VideoSite)
    yield
    registry.override("videosite", None)


@pytest.fixture
def workspace():
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def channel(workspace):
    return ChannelFactory(workspace=workspace, platform="videosite", display_name="Acme Videos",
                          platform_info={"boards": [{"value": "b-1", "label": "Spring <ideas>"}]})


@pytest.fixture
def client_(client: Client, workspace) -> Client:
    client.force_login(MemberFactory(workspace=workspace, role=Role.MARKETER).user)
    return client


def url(name: str) -> str:
    return reverse(f"composer:{name}", kwargs={"slug": "acme"})


def form(channel, **options) -> dict:
    data = {"text": "Our launch video", "link": "", "media": "", "at": "", "draft_key": "k1",
            "channels": [str(channel.pk)], "action": "draft"}
    data.update({f"v{channel.pk}-opt-{name}": value for name, value in options.items()})
    return data


def test_the_channel_tab_shows_the_platform_fields_with_the_channel_choices(client_, channel) -> None:
    html = client_.get(url("compose")).content.decode()
    fieldset = html[html.index(f'data-channel-options="{channel.pk}"'):]
    fieldset = fieldset[:fieldset.index("</fieldset>")]
    for name in ("title", "privacy", "tags", "board", "for_kids", "release_at"):
        assert f'name="v{channel.pk}-opt-{name}"' in fieldset
    assert '<option value="b-1">Spring &lt;ideas&gt;</option>' in fieldset  # the channel's boards, escaped
    assert 'type="datetime-local"' in fieldset and 'type="checkbox"' in fieldset


def test_the_counter_shows_the_adapters_verdict_on_the_options(client_, channel) -> None:
    missing = client_.post(url("counter"), form(channel), HTTP_ACCEPT="application/json").json()
    given = client_.post(url("counter"), form(channel, title="Launch"), HTTP_ACCEPT="application/json").json()
    assert any("needs a title" in p for p in missing["channels"][0]["problems"])
    assert given["channels"][0]["problems"] == []


def test_saving_keeps_declared_options_in_their_kinds(client_, channel) -> None:
    response = client_.post(url("submit"), form(channel, title=" Launch ", privacy="private", tags="spring, , launch",
                                                 board="b-1", for_kids="on", release_at="2026-12-01T10:00",
                                                 sneaky="dropped"))
    assert response.status_code == 302
    variant = Variant.objects.get(channel=channel)
    assert variant.options == {"title": "Launch", "privacy": "private", "tags": ["spring", "launch"],
                               "board": "b-1", "for_kids": True,
                               "release_at": "2026-12-01T09:00:00Z"}  # 10:00 in Berlin, kept as UTC

    page = client_.get(f"{url('compose')}?post={variant.post_id}").content.decode()
    assert f'name="v{channel.pk}-opt-release_at" type="datetime-local" value="2026-12-01T10:00"' in page
    assert 'value="spring, launch"' in page and "checked" in page


def test_a_refused_submit_shows_the_typed_options_again(client_, channel) -> None:
    data = form(channel, title="Kept title", privacy="public")
    data.update(action="schedule", at="not a date")
    page = client_.post(url("submit"), data)
    assert page.status_code == 422
    assert 'value="Kept title"' in page.content.decode()
    assert '<option value="public" selected>' in page.content.decode()


def test_options_reach_the_adapter_and_the_frozen_payload(client_, channel) -> None:
    client_.post(url("submit"), form(channel, title="Launch", privacy="public"))
    post = Post.objects.get()
    request = render_for(post, channel)
    assert request.options == {"title": "Launch", "privacy": "public"}
    assert payload_of(request)["options"] == {"title": "Launch", "privacy": "public"}


def test_changing_an_option_changes_what_approvals_are_bound_to(client_, channel) -> None:
    client_.post(url("submit"), form(channel, title="Launch"))
    post = Post.objects.get()
    before = post_content_hash(post, [channel])
    Variant.objects.filter(post=post).update(options={"title": "Launch (final)"})
    assert post_content_hash(post, [channel]) != before


def test_the_api_lists_option_fields_and_takes_options_on_variants(channel, workspace) -> None:
    member = MemberFactory(workspace=workspace, role=Role.MARKETER)
    _token, secret = token_create(member, "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    listed = api.get("/api/v1/channels/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    fields = {f["name"]: f for f in rows[0]["options"]}
    assert fields["board"]["choices"] == [{"value": "b-1", "label": "Spring <ideas>"}]

    bad = api.post("/api/v1/posts/", {"text": "x", "variants": [{"channel": channel.pk, "options": {"nope": 1}}]},
                   format="json")
    assert bad.status_code == 400 and "has no option 'nope'" in bad.content.decode()
    good = api.post("/api/v1/posts/", {"text": "x", "variants": [{"channel": channel.pk,
                                                                 "options": {"title": "T", "tags": ["a", "b"]}}]},
                    format="json")
    assert good.status_code == 201, good.content
    assert good.json()["variants"][0]["options"] == {"title": "T", "tags": ["a", "b"]}


def test_datetimes_typed_with_an_offset_are_kept_as_that_instant(client_, channel) -> None:
    client_.post(url("submit"), form(channel, title="T", release_at="2026-12-01T10:00:00+00:00"))
    assert Variant.objects.get().options["release_at"] == datetime(2026, 12, 1, 10, tzinfo=UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
