"""The approval pages: the post page's panel, the approvers' queue, the actions, roles and isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from approvals import services
from approvals.models import ApprovalRequest, ApprovalState, ReviewerLink
from scheduler.services import post_update_content
from tests.approvals.conftest import draft, login, member
from tests.factories import ChannelFactory, MemberFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]


def post_url(post) -> str:
    return f"/w/{post.workspace.slug}/posts/{post.pk}/"


def base(workspace) -> str:
    return f"/w/{workspace.slug}/approvals/"


def test_panel_before_any_request(post, marketer):
    html = login(marketer).get(post_url(post)).content.decode()
    assert 'data-approval-state="none"' in html and 'data-action="request-approval"' in html
    assert "cannot be scheduled until it is approved" in html


def test_request_then_approve_through_the_pages(post, marketer, approver, workspace):
    response = login(marketer).post(f"{base(workspace)}posts/{post.pk}/request/")
    assert response.status_code == 302 and response["Location"] == post_url(post)
    request = ApprovalRequest.objects.get()
    html = login(marketer).get(post_url(post)).content.decode()
    assert 'data-approval-state="pending"' in html and "data-approval-decide" not in html  # marketers wait
    approver_client = login(approver)
    html = approver_client.get(post_url(post)).content.decode()
    assert "data-approval-decide" in html and "Invite outside reviewer" in html
    approver_client.post(f"{base(workspace)}{request.pk}/decide/", {"decision": "approve", "comment": "<b>ok</b>"})
    request.refresh_from_db()
    assert request.state == ApprovalState.APPROVED
    html = login(marketer).get(post_url(post)).content.decode()
    assert 'data-approval-state="approved"' in html and "&lt;b&gt;ok&lt;/b&gt;" in html
    assert "data-approval-valid" in html


def test_void_panel_shows_the_diff_escaped(post, marketer, approver):
    request = services.approval_request(post, marketer.user)
    services.approval_decide(request, approver.user, True)
    post_update_content(post, text="Spring launch <img src=x onerror=alert(1)>")
    html = login(marketer).get(post_url(post)).content.decode()
    assert 'data-approval-state="void"' in html and "Changed since approval" in html
    assert 'data-diff="removed"' in html and 'data-diff="added"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "Request approval again" in html


def test_an_approver_cannot_decide_their_own_request_in_the_page(post, workspace):
    asker = member(workspace, Role.MARKETER)
    request = services.approval_request(post, asker.user)
    asker.role = Role.APPROVER
    asker.save()
    client = login(asker)
    assert "data-approval-decide" not in client.get(post_url(post)).content.decode()
    response = client.post(f"{base(workspace)}{request.pk}/decide/", {"decision": "approve"}, follow=True)
    assert b"another approver has to decide" in response.content
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING


def test_queue_lists_pending_requests_and_decides_from_the_list(post, marketer, approver, workspace):
    other = draft(workspace, ChannelFactory(workspace=workspace), text="Second <i>post</i>")
    first = services.approval_request(post, marketer.user)
    services.approval_request(other, marketer.user)
    client = login(approver)
    html = client.get(base(workspace)).content.decode()
    assert html.count("data-approval-request=") == 2 and "Second &lt;i&gt;post&lt;/i&gt;" in html
    response = client.post(f"{base(workspace)}{first.pk}/decide/", {"decision": "reject", "back": "list"})
    assert response["Location"] == base(workspace)
    assert client.get(base(workspace)).content.decode().count("data-approval-request=") == 1


def test_a_bad_decision_value_changes_nothing(post, marketer, approver, workspace):
    request = services.approval_request(post, marketer.user)
    login(approver).post(f"{base(workspace)}{request.pk}/decide/", {"decision": "maybe"})
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING


@pytest.mark.parametrize(("role", "path", "data"), [
    (Role.VIEWER, "posts/{post}/request/", {}),
    (Role.APPROVER, "posts/{post}/request/", {}),
    (Role.MARKETER, "{request}/decide/", {"decision": "approve"}),
    (Role.VIEWER, "{request}/decide/", {"decision": "approve"}),
    (Role.MARKETER, "{request}/reviewers/", {"name": "Me"}),
    (Role.MARKETER, "links/{link}/revoke/", {}),
])
def test_roles(post, marketer, approver, workspace, role, path, data):
    request = services.approval_request(post, marketer.user)
    link, _token = services.reviewer_link_create(request, approver.user, name="Clara")
    url = base(workspace) + path.format(post=post.pk, request=request.pk, link=link.pk)
    assert login(member(workspace, role)).post(url, data).status_code == 403
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING and ReviewerLink.objects.count() == 1


def test_every_url_is_404_for_another_workspaces_objects(post, marketer, approver, workspace):
    request = services.approval_request(post, marketer.user)
    link, _token = services.reviewer_link_create(request, approver.user, name="Clara", valid_for=timedelta(days=1))
    mine = WorkspaceFactory(slug="other")
    intruder = login(MemberFactory(workspace=mine, role=Role.ADMIN))
    calls = [
        ("post", f"{base(mine)}posts/{post.pk}/request/", {}),
        ("post", f"{base(mine)}{request.pk}/decide/", {"decision": "approve"}),
        ("get", f"{base(mine)}{request.pk}/reviewers/", None),
        ("post", f"{base(mine)}{request.pk}/reviewers/", {"name": "Eve", "days": "7"}),
        ("post", f"{base(mine)}links/{link.pk}/revoke/", {}),
    ]
    for method, url, data in calls:
        assert getattr(intruder, method)(url, data).status_code == 404, url
    # And the victim's own URLs answer 404 to a non-member.
    for method, url, data in [("get", base(workspace), None), ("get", post_url(post), None),
                              *[(m, u.replace("/w/other/", f"/w/{workspace.slug}/"), d) for m, u, d in calls]]:
        assert getattr(intruder, method)(url, data).status_code == 404, url
    request.refresh_from_db()
    link.refresh_from_db()
    assert request.state == ApprovalState.PENDING and ReviewerLink.objects.count() == 1 and link.used_at is None
    assert link.expires_at > request.requested_at + timedelta(hours=23)


def test_composer_shows_the_approval_state_and_the_request_button(post, marketer, workspace):
    html = login(marketer).get(f"/w/{workspace.slug}/compose/?post={post.pk}").content.decode()
    assert 'value="request_approval"' in html and 'data-approval-state="none"' in html


def test_composer_refusal_message(post, marketer, workspace, x, fb):
    data = {"text": "Spring launch", "link": "", "media": "", "at": "2036-05-04T09:30", "draft_key": "k",
            "post": str(post.pk), "channels": [str(x.pk), str(fb.pk)], "action": "schedule"}
    response = login(marketer).post(f"/w/{workspace.slug}/compose/submit/", data)
    assert response.status_code == 422
    assert b"This workspace needs approval before a post is scheduled or published." in response.content
