"""The composer's pages and endpoints: scoping, roles, counter, previews, autosave and the actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scheduler.models import Delivery, DeliveryState, Post, Variant
from tests.factories import ChannelFactory, MemberFactory, PostFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # autosave remembers draft keys in the cache; tests reuse the key "k1"


@pytest.fixture
def workspace():
    return WorkspaceFactory(slug="acme", time_zone="Europe/Berlin")


@pytest.fixture
def x(workspace):
    return ChannelFactory(workspace=workspace, platform="x", display_name="Acme X", handle="acme",
                          scopes=["tweet.read", "tweet.write", "users.read", "offline.access"])


@pytest.fixture
def fb(workspace):
    return ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Page")


def login(client: Client, workspace, role: str = Role.MARKETER) -> Client:
    client.force_login(MemberFactory(workspace=workspace, role=role).user)
    return client


def url(name: str, workspace) -> str:
    return reverse(f"composer:{name}", kwargs={"slug": workspace.slug})


def form(*channels, **extra) -> dict:
    data = {"text": "Spring launch", "link": "", "media": "", "at": "", "draft_key": "k1",
            "channels": [str(c.pk) for c in channels]}
    data.update(extra)
    return data


def future_local(days: int = 3) -> str:
    return (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%dT09:30")


def test_non_member_gets_404_everywhere(client: Client, workspace, x) -> None:
    login(client, WorkspaceFactory())
    assert client.get(url("compose", workspace)).status_code == 404
    for name in ("counter", "preview", "autosave", "submit"):
        assert client.post(url(name, workspace), form(x)).status_code == 404
    assert Post.objects.count() == 0


def test_viewer_reads_but_cannot_write(client: Client, workspace, x) -> None:
    login(client, workspace, Role.VIEWER)
    page = client.get(url("compose", workspace))
    assert page.status_code == 200 and b'value="schedule"' not in page.content
    assert client.post(url("counter", workspace), form(x)).status_code == 200
    assert client.post(url("submit", workspace), form(x, action="draft")).status_code == 403
    assert client.post(url("autosave", workspace), form(x)).status_code == 403
    assert Post.objects.count() == 0


def test_page_lists_healthy_channels_first_with_the_problem_of_the_others(client: Client, workspace, x) -> None:
    broken = ChannelFactory(workspace=workspace, platform="facebook", display_name="AAA Page",
                            health="needs_reconnect", last_error="expired", last_error_code="190")
    html = login(client, workspace).get(url("compose", workspace)).content.decode()
    assert html.index("Acme X") < html.index("AAA Page")
    assert f'data-channel-problem="{broken.pk}"' in html and "Reconnect the account" in html
    assert "Publish at (Europe/Berlin)" in html


def test_counter_json_per_channel(client: Client, workspace, x, fb) -> None:
    login(client, workspace)
    text = "a" * 270 + "日本語日本語"
    answer = client.post(url("counter", workspace), form(x, fb, text=text), HTTP_ACCEPT="application/json").json()
    by_platform = {row["platform"]: row for row in answer["channels"]}
    assert (by_platform["x"]["used"], by_platform["x"]["limit"], by_platform["x"]["state"]) == (282, 280, "over")
    assert (by_platform["facebook"]["used"], by_platform["facebook"]["state"]) == (276, "ok")
    assert answer["valid"] is False


def test_counter_uses_the_channel_override(client: Client, workspace, x, fb) -> None:
    login(client, workspace)
    data = form(x, fb, text="a" * 300, **{f"v{x.pk}-text": "short for X"})
    answer = client.post(url("counter", workspace), data, HTTP_ACCEPT="application/json").json()
    by_platform = {row["platform"]: row for row in answer["channels"]}
    assert by_platform["x"]["used"] == 11 and by_platform["facebook"]["used"] == 300 and answer["valid"]


def test_counter_ignores_channels_of_other_workspaces(client: Client, workspace, x) -> None:
    foreign = ChannelFactory(platform="x")
    login(client, workspace)
    answer = client.post(url("counter", workspace), form(x, foreign), HTTP_ACCEPT="application/json").json()
    assert [row["channel"] for row in answer["channels"]] == [x.pk]


def test_counter_html_marks_over_red_and_verdict_invalid(client: Client, workspace, x) -> None:
    login(client, workspace)
    html = client.post(url("counter", workspace), form(x, text="b" * 281), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-valid="false"' in html and 'data-state="over"' in html and "text-danger" in html
    assert "281 / 280" in html


def test_counter_reports_bad_media_lines(client: Client, workspace, x) -> None:
    login(client, workspace)
    answer = client.post(url("counter", workspace), form(x, media="javascript:alert(1)"),
                         HTTP_ACCEPT="application/json").json()
    assert answer["errors"] == ["Base post: media line 1 is not a web address (http:// or https://)."]
    assert answer["valid"] is False


def test_preview_escapes_text_and_shows_first_media(client: Client, workspace, x, fb) -> None:
    ig = ChannelFactory(workspace=workspace, platform="instagram", handle="acme.ig")
    login(client, workspace)
    data = form(x, fb, ig, text="<script>alert(1)</script> hi", media="https://cdn.example.com/p.jpg | A <b>cat</b>")
    html = client.post(url("preview", workspace), data).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; hi" in html
    assert html.count('src="https://cdn.example.com/p.jpg"') == 3
    assert 'alt="A &lt;b&gt;cat&lt;/b&gt;"' in html
    assert 'data-ig-frame="1:1"' in html


def test_autosave_creates_one_draft_and_updates_it(client: Client, workspace, x) -> None:
    login(client, workspace)
    first = client.post(url("autosave", workspace), form(x, text="one"))
    assert "Draft saved at" in first.content.decode()
    post = Post.objects.get()
    assert f'name="post" value="{post.pk}"' in first.content.decode()
    # The second autosave lost the race for the hidden field: the draft key still finds the post.
    client.post(url("autosave", workspace), form(x, text="two"))
    client.post(url("autosave", workspace), form(x, text="three", post=str(post.pk)))
    post = Post.objects.get()
    assert post.text == "three"
    assert list(post.deliveries.values_list("channel_id", "state")) == [(x.pk, DeliveryState.DRAFT)]


def test_autosave_of_an_untouched_form_saves_nothing(client: Client, workspace, x) -> None:
    login(client, workspace)
    assert client.post(url("autosave", workspace), form(text="")).status_code == 200
    assert Post.objects.count() == 0


def test_schedule_over_limit_is_refused_and_the_draft_kept(client: Client, workspace, x, fb) -> None:
    login(client, workspace)
    data = form(x, fb, at=future_local(), action="schedule", **{f"v{x.pk}-text": "c" * 281})
    response = client.post(url("submit", workspace), data)
    assert response.status_code == 422
    assert "X counts 23 characters per link and 2 per emoji/CJK character: this post is 281 of 280." in (
        response.content.decode())
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DRAFT}
    assert Variant.objects.get().text == "c" * 281


def test_schedule_in_the_workspace_zone(client: Client, workspace, x, fb) -> None:
    login(client, workspace)
    when = (timezone.now() + timedelta(days=40)).date()
    response = client.post(url("submit", workspace), form(x, fb, at=f"{when}T09:30", action="schedule"))
    post = Post.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/w/acme/posts/{post.pk}/"
    local = datetime(when.year, when.month, when.day, 9, 30)
    expected = local.replace(tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Berlin")).astimezone(UTC)
    assert {(d.state, d.due_at) for d in post.deliveries.all()} == {(DeliveryState.SCHEDULED, expected)}
    assert post.created_by is not None


def test_schedule_in_a_dst_gap_moves_forward(client: Client, workspace, x) -> None:
    login(client, workspace)
    client.post(url("submit", workspace), form(x, at="2036-03-30T02:30", action="schedule"))
    # 2036-03-30 is the last Sunday of March: 02:30 does not exist in Berlin, 03:30 CEST = 01:30 UTC.
    assert Delivery.objects.get().due_at == datetime(2036, 3, 30, 1, 30, tzinfo=UTC)


def test_schedule_needs_a_time_and_refuses_the_past(client: Client, workspace, x) -> None:
    login(client, workspace)
    no_time = client.post(url("submit", workspace), form(x, action="schedule"))
    assert "Pick a date and time" in no_time.content.decode()
    past = client.post(url("submit", workspace), form(x, action="schedule", at="2020-01-01T10:00"))
    assert "This time is already past." in past.content.decode()
    assert Delivery.objects.get().state == DeliveryState.DRAFT


def test_publish_now_schedules_due_now(client: Client, workspace, x) -> None:
    login(client, workspace)
    before = timezone.now()
    client.post(url("submit", workspace), form(x, action="publish_now"))
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SCHEDULED and before <= delivery.due_at <= timezone.now()


def test_save_draft_then_edit_it_by_id(client: Client, workspace, x, fb) -> None:
    login(client, workspace)
    response = client.post(url("submit", workspace),
                           form(x, fb, action="draft", at="2036-06-01T10:00", **{f"v{fb.pk}-link": "https://e.com"}))
    post = Post.objects.get()
    assert response["Location"] == f"/w/acme/compose/?post={post.pk}"
    html = client.get(response["Location"]).content.decode()
    assert 'value="2036-06-01T10:00"' in html and 'value="https://e.com"' in html and "Spring launch" in html
    client.post(url("submit", workspace), form(x, action="draft", post=str(post.pk), text="edited"))
    post.refresh_from_db()
    assert post.text == "edited" and Post.objects.count() == 1
    assert list(post.deliveries.values_list("channel_id", flat=True)) == [x.pk]
    assert not post.variants.exists()


def test_scheduled_post_is_not_changed_by_the_composer(client: Client, workspace, x) -> None:
    login(client, workspace)
    client.post(url("submit", workspace), form(x, action="publish_now"))
    post = Post.objects.get()
    answer = client.post(url("autosave", workspace), form(x, text="sneaky", post=str(post.pk)))
    assert "already scheduled" in answer.content.decode()
    post.refresh_from_db()
    assert post.text == "Spring launch"


def test_edit_of_another_workspaces_post_is_404(client: Client, workspace, x) -> None:
    other = PostFactory()
    login(client, workspace)
    assert client.get(url("compose", workspace) + f"?post={other.pk}").status_code == 404
    answer = client.post(url("submit", workspace), form(x, action="draft", post=str(other.pk)))
    assert "no longer exists in this workspace" in answer.content.decode()
    other.refresh_from_db()
    assert other.text != "Spring launch"


def test_at_prefill_is_shown_on_the_workspace_clock(client: Client, workspace) -> None:
    login(client, workspace)
    html = client.get(url("compose", workspace) + "?at=2036-07-01T08:00:00Z").content.decode()
    assert 'value="2036-07-01T10:00"' in html  # 08:00 UTC is 10:00 CEST
    html = client.get(url("compose", workspace) + "?at=2036-07-01T08:00").content.decode()
    assert 'value="2036-07-01T08:00"' in html  # a wall time stays a wall time


def test_queue_is_refused_for_a_channel_without_a_queue(client: Client, workspace, x) -> None:
    login(client, workspace)  # the queue flow itself is tested in tests/queues/test_views.py
    answer = client.post(url("submit", workspace), form(x, action="queue"))
    assert answer.status_code == 422 and "Acme X has no posting queue yet" in answer.content.decode()
