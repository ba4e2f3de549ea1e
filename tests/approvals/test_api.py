"""The approval endpoints and the gate over the API: 400 "approval_required", roles, workspace isolation."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.tokens import token_create
from approvals.models import ApprovalRequest, ApprovalState
from scheduler.models import Delivery, DeliveryState, Post
from tests.approvals.conftest import member
from tests.factories import ChannelFactory, MemberFactory, PostFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]
API = "/api/v1"


def client_for(person) -> APIClient:
    _token, secret = token_create(person, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture(autouse=True)
def _no_throttle_leftovers():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_post(workspace, marketer) -> Post:
    """A post made through the API: no deliveries until it is scheduled."""
    return PostFactory(workspace=workspace, text="From the API", created_by=marketer.user)


def test_request_approve_schedule_over_the_api(api_post, marketer, approver, x, fb):
    mine, theirs = client_for(marketer), client_for(approver)
    body = {"channels": [x.pk, fb.pk], "at": "2036-05-04T09:30"}
    refused = mine.post(f"{API}/posts/{api_post.pk}/schedule/", body, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "approval_required"
    status = mine.get(f"{API}/posts/{api_post.pk}/approval/").json()
    assert status == {"required": True, "valid": False, "latest": None, "changes": []}
    created = mine.post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk, fb.pk]}, format="json")
    assert created.status_code == 201 and created.json()["latest"]["state"] == "pending"
    assert sorted(created.json()["latest"]["channels"]) == sorted([x.pk, fb.pk])
    decided = theirs.post(f"{API}/posts/{api_post.pk}/approval/decide/", {"approve": True, "comment": "ok"},
                          format="json")
    assert decided.status_code == 200 and decided.json()["valid"] is True
    assert mine.post(f"{API}/posts/{api_post.pk}/schedule/", body, format="json").status_code == 200
    assert set(Delivery.objects.filter(post=api_post).values_list("state", flat=True)) == {DeliveryState.SCHEDULED}


def test_patch_after_approval_voids_holds_and_reports_the_changes(api_post, marketer, approver, x, fb):
    mine = client_for(marketer)
    mine.post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk, fb.pk]}, format="json")
    client_for(approver).post(f"{API}/posts/{api_post.pk}/approval/decide/", {"approve": True}, format="json")
    mine.post(f"{API}/posts/{api_post.pk}/schedule/", {"channels": [x.pk, fb.pk], "at": "2036-05-04T09:30"},
              format="json")
    assert mine.patch(f"{API}/posts/{api_post.pk}/", {"text": "From the API, edited"}, format="json").status_code == 200
    status = mine.get(f"{API}/posts/{api_post.pk}/approval/").json()
    assert status["valid"] is False and status["latest"]["state"] == "void"
    assert status["changes"] == [{"field": "Text", "lines": [{"kind": "-", "text": "From the API"},
                                                             {"kind": "+", "text": "From the API, edited"}]}]
    assert set(Delivery.objects.filter(post=api_post).values_list("state", flat=True)) == {DeliveryState.DRAFT}
    now = mine.post(f"{API}/posts/{api_post.pk}/publish-now/", {"channels": [x.pk]}, format="json")
    assert now.status_code == 400 and now.json()["code"] == "approval_required"


def test_decide_without_a_pending_request(api_post, approver):
    response = client_for(approver).post(f"{API}/posts/{api_post.pk}/approval/decide/", {"approve": True},
                                         format="json")
    assert response.status_code == 400 and response.json()["code"] == "no_pending"


def test_request_twice_and_without_channels(api_post, marketer, x):
    mine = client_for(marketer)
    assert mine.post(f"{API}/posts/{api_post.pk}/approval/", {}, format="json").json()["code"] == "no_channels"
    mine.post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk]}, format="json")
    again = mine.post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk]}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "already_requested"


@pytest.mark.parametrize(("role", "path", "body"), [
    (Role.VIEWER, "approval/", {"channels": []}),
    (Role.APPROVER, "approval/", {}),
    (Role.MARKETER, "approval/decide/", {"approve": True}),
    (Role.COMMUNITY_MANAGER, "approval/decide/", {"approve": True}),
])
def test_roles(api_post, workspace, role, path, body, x, marketer):
    client_for(marketer).post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk]}, format="json")
    response = client_for(member(workspace, role)).post(f"{API}/posts/{api_post.pk}/{path}", body, format="json")
    assert response.status_code == 403
    assert ApprovalRequest.objects.get().state == ApprovalState.PENDING


def test_self_approval_is_403_for_an_approver(api_post, workspace, x):
    asker = member(workspace, Role.MARKETER)
    client_for(asker).post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk]}, format="json")
    asker.role = Role.APPROVER
    asker.save()
    response = client_for(asker).post(f"{API}/posts/{api_post.pk}/approval/decide/", {"approve": True},
                                      format="json")
    assert response.status_code == 403 and "another approver" in response.json()["detail"]


def test_other_workspaces_posts_and_channels_are_404_and_unknown(api_post, marketer, x):
    client_for(marketer).post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [x.pk]}, format="json")
    stranger = client_for(MemberFactory(workspace=WorkspaceFactory(requires_approval=True), role=Role.ADMIN))
    for method, path, body in [("get", "approval/", None), ("post", "approval/", {"channels": [x.pk]}),
                               ("post", "approval/decide/", {"approve": True})]:
        response = getattr(stranger, method)(f"{API}/posts/{api_post.pk}/{path}", body, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ApprovalRequest.objects.get().state == ApprovalState.PENDING


def test_channels_of_another_workspace_are_refused(api_post, marketer):
    foreign = ChannelFactory(platform="x")
    response = client_for(marketer).post(f"{API}/posts/{api_post.pk}/approval/", {"channels": [foreign.pk]},
                                         format="json")
    assert response.status_code == 400 and ApprovalRequest.objects.count() == 0
