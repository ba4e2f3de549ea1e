"""Workspace isolation (404) and roles (403) for every endpoint, and per-token throttling (429)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from scheduler.models import Campaign, Delivery, DeliveryState, Post
from tests.factories import CampaignFactory, ChannelFactory, DeliveryFactory, PostFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]

# (method, path template, body). Ids come from the `objects` fixture.
DETAIL_ENDPOINTS = [
    ("get", "/channels/{channel}/", None),
    ("get", "/campaigns/{campaign}/", None),
    ("patch", "/campaigns/{campaign}/", {"name": "Taken over"}),
    ("delete", "/campaigns/{campaign}/", None),
    ("get", "/posts/{post}/", None),
    ("patch", "/posts/{post}/", {"text": "Taken over"}),
    ("delete", "/posts/{post}/", None),
    ("post", "/posts/{post}/schedule/", {"channels": ["{channel}"], "at": "2999-01-01T09:00"}),
    ("post", "/posts/{post}/publish-now/", {"channels": ["{channel}"]}),
    ("post", "/posts/{post}/retry-failed/", None),
    ("post", "/posts/{post}/queue/", {"channels": ["{channel}"]}),
    ("get", "/posts/{post}/approval/", None),
    ("post", "/posts/{post}/approval/", {"channels": ["{channel}"]}),
    ("post", "/posts/{post}/approval/decide/", {"approve": True}),
    ("get", "/deliveries/{delivery}/", None),
    ("post", "/deliveries/{delivery}/cancel/", None),
]
LIST_ENDPOINTS = ["/channels/", "/campaigns/", "/posts/", "/deliveries/"]
CREATE_ENDPOINTS = [("post", "/campaigns/", {"name": "New"}), ("post", "/posts/", {"text": "New"})]
WRITE_ENDPOINTS = [e for e in DETAIL_ENDPOINTS if e[0] != "get"] + CREATE_ENDPOINTS


def objects_in(workspace) -> dict[str, int]:
    channel = ChannelFactory(workspace=workspace)
    campaign = CampaignFactory(workspace=workspace)
    post = PostFactory(workspace=workspace, campaign=campaign, text="theirs")
    delivery = DeliveryFactory(post=post, channel=channel, state=DeliveryState.FAILED)
    return {"channel": channel.pk, "campaign": campaign.pk, "post": post.pk, "delivery": delivery.pk}


def call(caller, method: str, template: str, body, ids: dict[str, int]):
    path = template.format(**ids)
    if body is not None:
        body = {k: ([ids["channel"]] if v == ["{channel}"] else v) for k, v in body.items()}
    return getattr(caller, method)(path, body) if method != "delete" else caller.delete(path)


def test_the_tables_cover_every_operation_in_the_schema(caller):
    schema = caller.client.get("/api/v1/schema/?format=json").json()
    operations = {(method, path.removeprefix("/api/v1")) for path, item in schema["paths"].items()
                  for method in item if method in ("get", "post", "patch", "delete")}
    covered = {(m, p.replace("{channel}", "{id}").replace("{campaign}", "{id}").replace("{post}", "{id}")
                .replace("{delivery}", "{id}")) for m, p, _ in DETAIL_ENDPOINTS + CREATE_ENDPOINTS}
    covered |= {("get", p) for p in LIST_ENDPOINTS}
    # The media library lets community managers write, as its page does: test_media_api.py covers its
    # isolation (404) and roles (403) for each of these.
    covered |= {("get", "/media/"), ("post", "/media/"), ("get", "/media/{id}/"), ("patch", "/media/{id}/"),
                ("delete", "/media/{id}/")}
    # The inbox lets community managers write too: tests/inbox_triage/test_api.py covers its isolation (404)
    # and roles (403) for each of these.
    covered |= {("get", "/inbox/"), ("get", "/inbox/{id}/"), ("post", "/inbox/{id}/assign/"),
                ("post", "/inbox/{id}/status/"), ("post", "/inbox/{id}/tags/"), ("post", "/inbox/{id}/reply/")}
    assert operations == covered


@pytest.mark.parametrize(("method", "template", "body"), DETAIL_ENDPOINTS)
def test_objects_of_another_workspace_are_404(make_caller, method, template, body):
    caller = make_caller(role=Role.ADMIN)
    theirs = objects_in(make_caller().workspace)
    response = call(caller, method, template, body, theirs)
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    post = Post.objects.get(pk=theirs["post"])
    assert post.text == "theirs" and Campaign.objects.get(pk=theirs["campaign"]).name.startswith("Campaign")
    assert Delivery.objects.get(pk=theirs["delivery"]).state == DeliveryState.FAILED


@pytest.mark.parametrize("path", LIST_ENDPOINTS)
def test_lists_show_only_the_tokens_workspace(make_caller, path):
    caller = make_caller()
    mine = objects_in(caller.workspace)
    objects_in(make_caller().workspace)
    key = {"/channels/": "channel", "/campaigns/": "campaign", "/posts/": "post", "/deliveries/": "delivery"}[path]
    body = caller.get(path).json()
    assert [row["id"] for row in body["results"]] == [mine[key]]


def test_huge_ids_are_404_not_500(caller):
    assert caller.get("/posts/99999999999999999999999999/").status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMUNITY_MANAGER])
@pytest.mark.parametrize(("method", "template", "body"), WRITE_ENDPOINTS)
def test_read_only_roles_get_403_on_every_write(make_caller, role, method, template, body):
    caller = make_caller(role=role)
    mine = objects_in(caller.workspace)
    response = call(caller, method, template, body, mine)
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role in this workspace (or this token) is read-only for this endpoint."
    assert Post.objects.get(pk=mine["post"]).text == "theirs"
    assert Delivery.objects.get(pk=mine["delivery"]).state == DeliveryState.FAILED


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMUNITY_MANAGER, Role.MARKETER, Role.ADMIN])
def test_every_role_reads(make_caller, role):
    caller = make_caller(role=role)
    mine = objects_in(caller.workspace)
    for method, template, body in DETAIL_ENDPOINTS:
        if method == "get":
            assert call(caller, method, template, body, mine).status_code == 200


@pytest.mark.parametrize("role", [Role.MARKETER, Role.ADMIN])
def test_editors_write(make_caller, role):
    caller = make_caller(role=role)
    mine = objects_in(caller.workspace)
    assert call(caller, "post", "/posts/{post}/retry-failed/", None, mine).json() == {"retried": 1}
    assert caller.post("/campaigns/", {"name": "Mine"}).status_code == 201


@override_settings(API_THROTTLE_RATE="3/min")
def test_throttling_per_token(make_caller):
    first, second = make_caller(), make_caller()
    assert [first.get("/channels/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = first.get("/channels/")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled"
    assert second.get("/channels/").status_code == 200  # another token has its own budget
