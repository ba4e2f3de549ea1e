"""UTM tagging of links: what is added, what is never touched, and how it reaches a rendered request."""

from __future__ import annotations

import pytest

import scheduler.engine  # noqa: F401  (loaded before rendering: the two import each other)
from scheduler.models import Campaign
from scheduler.rendering import link_with_tracking, render_request
from tests.factories import CampaignFactory, DeliveryFactory, PostFactory

UTM = {"utm_source": "newsletter", "utm_medium": "social", "utm_campaign": "spring"}


def tag(link: str, utm: dict | None = None, platform: str = "x", audience: str = "") -> str:
    return link_with_tracking(link, Campaign(utm_defaults=UTM if utm is None else utm), platform, audience)


def test_adds_the_defaults_in_a_fixed_order() -> None:
    assert tag("https://example.com/shop") == (
        "https://example.com/shop?utm_source=newsletter&utm_medium=social&utm_campaign=spring")


def test_keeps_other_parameters_byte_for_byte_and_appends_after_them() -> None:
    assert tag("https://example.com/s?q=rain%20coat&size=m+l") == (
        "https://example.com/s?q=rain%20coat&size=m+l&utm_source=newsletter&utm_medium=social&utm_campaign=spring")


def test_a_parameter_the_link_has_is_never_overridden_even_empty_or_in_another_case() -> None:
    link = "https://example.com/?utm_source=partner&UTM_MEDIUM=&x=1"
    assert tag(link) == f"{link}&utm_campaign=spring"
    assert tag("https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c") == (
        "https://example.com/?utm_source=a&utm_medium=b&utm_campaign=c")


def test_the_fragment_stays_last() -> None:
    assert tag("https://example.com/page#section-2", {"utm_source": "nl"}) == (
        "https://example.com/page?utm_source=nl#section-2")
    assert tag("https://example.com/p?a=1#frag?not=query", {"utm_source": "nl"}) == (
        "https://example.com/p?a=1&utm_source=nl#frag?not=query")


def test_a_dangling_question_mark_or_ampersand_gets_no_second_one() -> None:
    assert tag("https://example.com/p?", {"utm_source": "nl"}) == "https://example.com/p?utm_source=nl"
    assert tag("https://example.com/p?a=1&", {"utm_source": "nl"}) == "https://example.com/p?a=1&utm_source=nl"


@pytest.mark.parametrize("link", [
    "", "mailto:shop@example.com", "tel:+4930123", "/relative/path", "example.com/no-scheme",
    "ftp://example.com/file", "javascript:alert(1)", "http://[::1", "https://",
])
def test_links_that_are_not_absolute_http_are_left_alone(link: str) -> None:
    assert tag(link) == link


def test_upper_case_scheme_is_still_http() -> None:
    assert tag("HTTPS://Example.com/", {"utm_source": "nl"}) == "HTTPS://Example.com/?utm_source=nl"


def test_unicode_in_the_link_is_kept_and_in_values_is_percent_encoded() -> None:
    link = "https://例え.jp/straße?q=über"
    assert tag(link, {"utm_campaign": "frühling", "utm_content": "a&b=c"}) == (
        f"{link}&utm_campaign=fr%C3%BChling&utm_content=a%26b%3Dc")


def test_placeholders_become_the_platform_and_the_audience() -> None:
    utm = {"utm_source": "{platform}", "utm_content": "spring-{audience}"}
    assert tag("https://example.com/", utm, platform="facebook", audience="dach") == (
        "https://example.com/?utm_source=facebook&utm_content=spring-dach")
    # Without an audience the placeholder is simply empty; a value that ends up empty is not added.
    assert tag("https://example.com/", {"utm_content": "{audience}"}) == "https://example.com/"


def test_no_campaign_or_no_defaults_changes_nothing() -> None:
    assert link_with_tracking("https://example.com/", None, "x") == "https://example.com/"
    assert tag("https://example.com/", {}) == "https://example.com/"
    assert tag("https://example.com/", {"utm_source": ""}) == "https://example.com/"


@pytest.mark.django_db
def test_rendered_requests_carry_the_tracked_link_per_platform() -> None:
    campaign = CampaignFactory(utm_defaults={"utm_source": "{platform}", "utm_content": "{audience}"},
                               audiences=[{"key": "dach", "name": "DACH", "attributes": {}}])
    post = PostFactory(workspace=campaign.workspace, campaign=campaign, audience="dach",
                       link="https://example.com/p?ref=1#top")
    on_x = DeliveryFactory(post=post, channel__platform="x")
    on_fb = DeliveryFactory(post=post, channel__platform="facebook")
    assert render_request(on_x).link == "https://example.com/p?ref=1&utm_source=x&utm_content=dach#top"
    assert render_request(on_fb).link == "https://example.com/p?ref=1&utm_source=facebook&utm_content=dach#top"
