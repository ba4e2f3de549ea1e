"""Mastodon's rules without the network: length counting, options, validate, the instance form."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from platforms.mastodon import MastodonAdapter
from platforms.mastodon.adapter import idempotency_key, status_options
from platforms.mastodon.connect import MastodonConnectForm, normalise_instance
from platforms.options import clean_options, option_fields
from platforms.types import ChannelRef, Credentials, PublishRequest

LINK = "https://example.com/a/very/long/path/that/is/far/longer/than/twenty-three/characters"


def channel(limit: int | None = None) -> ChannelRef:
    extra: dict[str, Any] = {"instance_url": "https://mastodon.example"}
    if limit:
        extra["max_characters"] = limit
    return ChannelRef("mastodon", "1", "me@mastodon.example", Credentials(access_token="t", extra=extra))


def request(text: str, limit: int | None = None, **options: Any) -> PublishRequest:
    return PublishRequest(channel=channel(limit), text=text, options=options)


def public_dns(monkeypatch: pytest.MonkeyPatch, address: str = "93.184.216.34") -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", (address, 443))])


def test_links_count_23_and_remote_mentions_only_their_local_part() -> None:
    assert MastodonAdapter.text_length(f"see {LINK}") == 4 + 23
    assert MastodonAdapter.text_length("@alice@social.example hi") == len("@alice hi")
    assert MastodonAdapter.text_length("plain example.com") == len("plain example.com")
    assert MastodonAdapter.text_length("👩‍👩‍👧 é") == 3


def test_composed_text_appends_the_link_once() -> None:
    base = PublishRequest(channel=channel(), text="New blog post", link=LINK)
    assert MastodonAdapter.composed_text(base) == f"New blog post\n\n{LINK}"
    inline = PublishRequest(channel=channel(), text=f"Read {LINK} now", link=LINK)
    assert MastodonAdapter.composed_text(inline) == f"Read {LINK} now"


def test_the_content_warning_counts_toward_the_limit() -> None:
    adapter = MastodonAdapter()
    assert adapter.validate(request("x" * 480)) == []
    problems = adapter.validate(request("x" * 480, spoiler_text="y" * 30))
    assert len(problems) == 1 and "content warning" in problems[0] and "510 of the server's 500" in problems[0]


def test_the_instance_limit_replaces_the_default() -> None:
    adapter = MastodonAdapter()
    assert adapter.validate(request("x" * 900, limit=1000)) == []
    assert "901 of the server's 500" in adapter.validate(request("x" * 901))[0]


def test_options_are_declared_cleaned_and_checked() -> None:
    fields = option_fields(MastodonAdapter)
    assert [f.name for f in fields] == ["spoiler_text", "visibility", "language"]
    cleaned = clean_options(fields, {"spoiler_text": " food ", "visibility": "unlisted", "language": "", "x": 1})
    assert cleaned == {"spoiler_text": "food", "visibility": "unlisted"}
    adapter = MastodonAdapter()
    assert adapter.validate(request("hi", visibility="private", language="de")) == []
    problems = adapter.validate(request("hi", visibility="everyone", language="German"))
    assert len(problems) == 2 and "visibility" in problems[0] and "“German”" in problems[1]


def test_status_options_send_the_warning_as_sensitive() -> None:
    assert status_options({}) == {"visibility": "public"}
    assert status_options({"spoiler_text": "cw", "visibility": "direct", "language": "en"}) == {
        "visibility": "direct", "spoiler_text": "cw", "sensitive": True, "language": "en"}


def test_the_idempotency_key_changes_with_the_options() -> None:
    plain, warned = request("same"), request("same", spoiler_text="cw")
    assert idempotency_key(plain, "f") == idempotency_key(request("same"), "f")
    assert idempotency_key(plain, "f") != idempotency_key(warned, "f")


@pytest.mark.parametrize("typed", ["mastodon.social", "https://Mastodon.Social/", "@me@mastodon.social",
                                   "me@mastodon.social"])
def test_the_instance_is_normalised(typed: str, monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    public_dns(monkeypatch)
    assert normalise_instance(typed) == "https://mastodon.social"


@pytest.mark.parametrize(("typed", "says"), [
    ("http://mastodon.social", "https only"), ("https://mastodon.social/about", "only the server"),
    ("https://user:pw@mastodon.social", "only the server"), ("mastodon.social:8443", "only the server"),
    ("localhost", "private or local"), ("box.internal", "private or local"), ("127.0.0.1", "private or local"),
    ("[::1]", "private or local"), ("10.1.2.3", "private or local"), ("169.254.169.254", "private or local"),
])
def test_bad_and_private_instances_are_refused(typed: str, says: str, settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    with pytest.raises(ValidationError) as refused:
        normalise_instance(typed)
    assert says in refused.value.messages[0]


def test_a_public_ipv6_literal_keeps_its_brackets(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    public_dns(monkeypatch, "2a01:4f8::1")
    assert normalise_instance("https://[2A01:4F8::1]") == "https://[2a01:4f8::1]"


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                              settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}
    public_dns(monkeypatch, "192.168.0.10")
    with pytest.raises(ValidationError, match="private or local"):
        normalise_instance("sneaky.example")


def test_an_unknown_name_is_refused_with_the_name(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.PLATFORM_ORIGINS = {}

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", missing)
    with pytest.raises(ValidationError, match="nowhere.example"):
        normalise_instance("nowhere.example")


def test_the_sandbox_origin_is_allowed_although_it_is_local(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PLATFORM_ORIGINS = {"https://mastodon.example": "http://127.0.0.1:8100/mastodon"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: pytest.fail("no lookup for a sandbox origin"))
    form = MastodonConnectForm(data={"instance": "mastodon.example"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["instance"] == "https://mastodon.example"
    assert not MastodonConnectForm(data={"instance": ""}).is_valid()


def test_connect_is_offered_through_the_form() -> None:
    assert MastodonAdapter.connect_form is MastodonConnectForm
    assert getattr(MastodonAdapter, "connect_available", True)
    assert set(MastodonAdapter.capabilities.inbox_kinds) == {"reply", "mention", "message"}


def test_the_preview_card_escapes_and_folds_the_text_under_the_content_warning() -> None:
    from django.template.loader import render_to_string

    from platforms.types import MediaItem

    photo = MediaItem(url="https://files.example/p.png", mime_type="image/png", alt_text="<b>alt</b>")
    req = PublishRequest(channel=channel(), text="<script>x</script>", media=(photo,),
                         options={"spoiler_text": "<i>finale</i>", "visibility": "private"})
    html = render_to_string("scheduler/composer_preview_mastodon.html", {
        "channel": {"display_name": "Brand", "handle": "brand@mastodon.social"}, "request": req,
        "shown": MastodonAdapter.composed_text(req), "first": photo})
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;alt&lt;/b&gt;" in html
    assert "<details" in html and "&lt;i&gt;finale&lt;/i&gt;" in html and "Followers only" in html
    plain = render_to_string("scheduler/composer_preview_mastodon.html", {
        "channel": {"display_name": "Brand", "handle": "b"}, "request": request("Hi"), "shown": "Hi", "first": None})
    assert "<details" not in plain and "Followers only" not in plain and "Mastodon" in plain


def test_the_limit_for_a_request_is_the_channels_instance_limit() -> None:
    assert MastodonAdapter.text_limit_for(request("hi", limit=11000)) == 11000
    assert MastodonAdapter.text_limit_for(request("hi")) == 500
