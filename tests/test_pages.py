"""Login, home redirect, workspace switcher and the deliveries page: scoping, filtering, escaping, polling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState, Post
from workspaces.models import Member, Role, Workspace

pytestmark = pytest.mark.django_db


def make_workspace(slug: str, time_zone: str = "UTC") -> Workspace:
    return Workspace.objects.create(name=slug.title(), slug=slug, time_zone=time_zone)


def make_delivery(workspace: Workspace, text: str, state: str = DeliveryState.SCHEDULED, **fields: object) -> Delivery:
    channel, _ = Channel.objects.get_or_create(
        workspace=workspace,
        platform="x",
        external_id=f"{workspace.slug}-account",
        defaults={"display_name": f"{workspace.name} on X", "credentials": {}},
    )
    post = Post.objects.create(workspace=workspace, text=text)
    fields.setdefault("due_at", datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    return Delivery.objects.create(workspace=workspace, post=post, channel=channel, state=state, **fields)


@pytest.fixture
def member(django_user_model: type[User]) -> User:
    user = django_user_model.objects.create_user("mia", password="pw-mia-123")
    Member.objects.create(workspace=make_workspace("acme", "Europe/Berlin"), user=user, role=Role.MARKETER)
    return user


@pytest.fixture
def member_client(client: Client, member: User) -> Client:
    client.force_login(member)
    return client


def deliveries_url(slug: str = "acme") -> str:
    return reverse("scheduler:deliveries", kwargs={"slug": slug})


def test_login_page_renders_and_logs_in(client: Client, member: User) -> None:
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post(reverse("login"), {"username": "mia", "password": "pw-mia-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_home_redirects_to_first_workspace(member_client: Client) -> None:
    response = member_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == deliveries_url()


def test_home_without_workspace_explains(client: Client, django_user_model: type[User]) -> None:
    client.force_login(django_user_model.objects.create_user("loner", password="x"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"not in a workspace" in response.content


def test_anonymous_is_sent_to_login(client: Client, member: User) -> None:
    response = client.get(deliveries_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_member_sees_own_deliveries_in_workspace_zone(member_client: Client) -> None:
    acme = Workspace.objects.get(slug="acme")
    make_delivery(
        acme,
        "Summer launch",
        DeliveryState.PUBLISHED,
        external_id="1799",
        permalink="https://x.com/acme/status/1799",
    )
    make_delivery(make_workspace("other"), "Someone else's secret")
    response = member_client.get(deliveries_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Summer launch" in body and "Someone else" not in body
    assert "Europe/Berlin" in body
    assert "2026-07-01 12:00" in body  # 10:00 UTC shown in Berlin summer time
    assert 'href="https://x.com/acme/status/1799"' in body
    assert 'data-state="published"' in body and "text-bg-success" in body


def test_other_workspace_is_404(member_client: Client) -> None:
    make_workspace("other")
    assert member_client.get(deliveries_url("other")).status_code == 404
    assert member_client.get(deliveries_url("missing")).status_code == 404


def test_hostile_text_and_links_are_escaped(member_client: Client) -> None:
    acme = Workspace.objects.get(slug="acme")
    make_delivery(
        acme,
        "<script>alert(1)</script>",
        DeliveryState.FAILED,
        error_message="<img src=x onerror=alert(2)>",
        permalink="javascript:alert(3)",
        external_id="<b>id</b>",
    )
    body = member_client.get(deliveries_url()).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(2)&gt;" in body
    assert "javascript:alert(3)" not in body
    assert "<b>id</b>" not in body


def test_filter_by_state_and_order_newest_due_first(member_client: Client) -> None:
    acme = Workspace.objects.get(slug="acme")
    make_delivery(acme, "older failure", DeliveryState.FAILED, due_at=datetime(2026, 1, 1, tzinfo=UTC))
    make_delivery(acme, "newer failure", DeliveryState.FAILED, due_at=datetime(2026, 2, 1, tzinfo=UTC))
    make_delivery(acme, "still scheduled")
    body = member_client.get(deliveries_url(), {"state": "failed"}).content.decode()
    assert "still scheduled" not in body
    assert body.index("newer failure") < body.index("older failure")
    unknown_state = member_client.get(deliveries_url(), {"state": "bogus"}).content.decode()
    assert "still scheduled" in unknown_state


def test_htmx_request_gets_polling_partial(member_client: Client) -> None:
    make_delivery(Workspace.objects.get(slug="acme"), "polled")
    response = member_client.get(deliveries_url(), {"state": "scheduled"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "polled" in body
    assert 'hx-trigger="every 3s"' in body
    assert 'hx-get="/w/acme/deliveries/?state=scheduled"' in body
    assert "HX-Request" in response["Vary"]


def test_layout_has_nav_switcher_and_vendor_assets(member_client: Client, member: User) -> None:
    Member.objects.create(workspace=make_workspace("beta"), user=member, role=Role.VIEWER)
    body = member_client.get(deliveries_url()).content.decode()
    assert "vendor/bootstrap/bootstrap.min.css" in body and "htmx" in body
    assert deliveries_url("beta") in body  # the switcher lists every workspace of the user
    assert reverse("admin:index") not in body  # not staff
    assert reverse("logout") in body
