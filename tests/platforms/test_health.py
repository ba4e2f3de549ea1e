"""Channel health verdicts, scope checks, advice, and the problems that put a scheduled post at risk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from platforms.health import REQUIRED_SCOPES, channel_health, channel_problems, error_advice, missing_scopes
from platforms.models import Channel, Health

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
X_ALL = [scope for scope, _need in REQUIRED_SCOPES["x"]]


def channel(**fields: object) -> Channel:
    values: dict[str, object] = {"platform": "x", "health": Health.OK, "scopes": X_ALL,
                                 "credentials": {"access_token": "a", "refresh_token": "r"}}
    return Channel(**(values | fields))


def test_a_channel_with_every_scope_is_healthy() -> None:
    verdict = channel_health(channel(token_expires_at=NOW + timedelta(hours=2)), NOW)
    assert (verdict.status, verdict.label, verdict.tone) == ("ok", "Healthy", "success")
    assert verdict.missing_scopes == () and verdict.advice == () and verdict.healthy


def test_missing_publish_scopes_make_it_unhealthy_with_advice() -> None:
    verdict = channel_health(channel(scopes=["tweet.read", "users.read", "offline.access"]), NOW)
    assert verdict.status == "missing_scopes" and not verdict.healthy
    assert verdict.missing_scopes == ("tweet.write", "media.write", "dm.read", "dm.write")
    assert verdict.advice == ("Reconnect and grant tweet.write, media.write, dm.read, dm.write "
                              "(needed for direct messages, media uploads, publishing).",)


def test_missing_inbox_scopes_only_are_listed_but_keep_the_badge_green() -> None:
    granted = ["pages_manage_posts", "pages_read_engagement", "pages_show_list"]
    verdict = channel_health(channel(platform="facebook", scopes=granted), NOW)
    assert verdict.status == "ok"
    assert verdict.missing_scopes == ("pages_manage_engagement", "pages_messaging")
    assert "Reconnect and grant pages_manage_engagement, pages_messaging" in verdict.advice[0]


def test_instagram_login_scope_names_count() -> None:
    granted = ["instagram_business_basic", "instagram_business_content_publish", "instagram_manage_comments",
               "instagram_business_manage_messages"]
    assert missing_scopes(channel(platform="instagram", scopes=granted)) == []


def test_unknown_platforms_need_no_scopes() -> None:
    assert missing_scopes(channel(platform="mastodon", scopes=[])) == []


@pytest.mark.parametrize(("fields", "status", "tone"), [
    ({"health": Health.NEEDS_RECONNECT}, "needs_reconnect", "warning"),
    ({"health": Health.ERROR}, "error", "danger"),
    ({"token_expires_at": NOW - timedelta(minutes=1)}, "expired", "danger"),
    ({"paused_until": NOW + timedelta(minutes=10)}, "paused", "info"),
    ({"paused_until": NOW - timedelta(minutes=10)}, "ok", "success"),
    ({"token_expires_at": NOW + timedelta(days=2), "credentials": {"access_token": "a"}}, "expiring", "success"),
    ({"token_expires_at": NOW + timedelta(days=2)}, "ok", "success"),  # renewable: the refresh job handles it
])
def test_verdicts(fields: dict[str, object], status: str, tone: str) -> None:
    verdict = channel_health(channel(**fields), NOW)
    assert (verdict.status, verdict.tone) == (status, tone)


def test_a_paused_channel_says_its_posts_wait() -> None:
    verdict = channel_health(channel(paused_until=NOW + timedelta(minutes=10)), NOW)
    assert verdict.advice == ("Posts for this channel wait until the platform's limit resets.",)


@pytest.mark.parametrize(("code", "health", "expected"), [
    ("190", Health.NEEDS_RECONNECT, "no longer accepts SMO's login"),
    ("invalid_request", Health.NEEDS_RECONNECT, "no longer accepts SMO's login"),
    ("disconnected", Health.NEEDS_RECONNECT, "A workspace admin disconnected this channel"),
    ("200", Health.ERROR, "Reconnect and grant every permission"),
    ("613", Health.OK, "limiting requests"),
    ("refresh_failed", Health.OK, "will try again shortly"),
    ("", Health.NEEDS_RECONNECT, "no longer accepts SMO's login"),  # flagged by an older code path
    ("weird", Health.ERROR, "If this keeps happening, reconnect the account."),
])
def test_error_advice_follows_the_code(code: str, health: str, expected: str) -> None:
    assert expected in error_advice(channel(last_error="Something went wrong", last_error_code=code, health=health))


def test_no_error_no_advice() -> None:
    assert error_advice(channel(last_error="", last_error_code="190")) == ""


# -- what puts a post at risk --------------------------------------------------------------

DUE = NOW + timedelta(minutes=30)


@pytest.mark.parametrize(("fields", "problems"), [
    ({}, []),
    ({"health": Health.NEEDS_RECONNECT, "paused_until": NOW + timedelta(hours=1)}, ["needs_reconnect"]),
    ({"health": Health.ERROR}, ["needs_reconnect"]),
    ({"paused_until": DUE + timedelta(minutes=1)}, ["paused"]),
    ({"paused_until": DUE - timedelta(minutes=1)}, []),  # lifted before the post is due
    ({"token_expires_at": NOW - timedelta(minutes=1)}, ["token_expired"]),  # the refresh job could not renew it
    ({"token_expires_at": DUE - timedelta(minutes=1)}, []),  # renewable before it is due
    ({"token_expires_at": DUE - timedelta(minutes=1), "credentials": {"access_token": "a"}}, ["token_expired"]),
    ({"paused_until": DUE + timedelta(minutes=1), "token_expires_at": NOW}, ["paused", "token_expired"]),
])
def test_channel_problems(fields: dict[str, object], problems: list[str]) -> None:
    assert channel_problems(channel(**fields), DUE, NOW) == problems
