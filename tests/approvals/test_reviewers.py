"""Outside reviewers: the link is shown once and stored only as a hash; expiry, reuse and voided requests
end in a friendly page; the decision is recorded with the reviewer's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from approvals import services
from approvals.models import ApprovalState, ReviewerLink
from scheduler.services import post_update_content
from tests.approvals.conftest import login
from workspaces.models import AuditEvent

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def pending(post, marketer):
    return services.approval_request(post, marketer.user)


@pytest.fixture
def link(pending, approver):
    return services.reviewer_link_create(pending, approver.user, name="Clara Client", email="clara@example.com",
                                         valid_for=timedelta(days=3))


def page(token: str) -> str:
    return f"/review/{token}/"


def test_the_raw_token_is_never_stored(link):
    created, token = link
    stored = ReviewerLink.objects.get(pk=created.pk)
    assert len(token) >= 40 and stored.token_hash == services.hash_token(token) and token not in stored.token_hash
    row = ReviewerLink.objects.filter(pk=created.pk).values().get()
    assert not any(token in str(value) for value in row.values())
    audit = AuditEvent.objects.get(action="reviewer_link.created")
    assert token not in str(audit.details) and audit.details["reviewer"] == "Clara Client <clara@example.com>"


def test_marketers_cannot_mint_links(pending, marketer):
    with pytest.raises(PermissionDenied):
        services.reviewer_link_create(pending, marketer.user, name="Me, really")


def test_bad_input_is_explained(pending, approver):
    with pytest.raises(ValidationError) as error:
        services.reviewer_link_create(pending, approver.user, email="nope", valid_for=timedelta(days=90))
    assert error.value.messages == ["The e-mail address is not valid.",
                                    "A link can be valid for one hour up to 30 days."]


def test_reviewer_sees_escaped_previews_and_approves_once(post, marketer, approver):
    post.text = "Hi <script>alert(1)</script>"
    post.save()
    pending = services.approval_request(post, marketer.user)
    _created, token = services.reviewer_link_create(pending, approver.user, name="Clara Client",
                                                    email="clara@example.com")
    client = Client()
    html = client.get(page(token)).content.decode()
    assert "Hi &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "Acme on X" in html and "Acme Page" in html
    response = client.post(page(token), {"decision": "approve", "comment": "Fine by me"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    pending.refresh_from_db()
    assert pending.state == ApprovalState.APPROVED and pending.decided_by is None
    assert pending.reviewer_label == "Clara Client <clara@example.com> (outside reviewer)"
    assert pending.comment == "Fine by me"
    event = AuditEvent.objects.get(action="approval.approved")
    assert event.actor is None and event.actor_label.startswith("Clara Client")
    again = client.post(page(token), {"decision": "reject"})
    assert again.status_code == 410 and b'data-review-closed="used"' in again.content
    pending.refresh_from_db()
    assert pending.state == ApprovalState.APPROVED


def test_reviewer_rejects_with_comment(link, pending):
    _created, token = link
    Client().post(page(token), {"decision": "reject", "comment": "Not the right week"})
    pending.refresh_from_db()
    assert (pending.state, pending.comment) == (ApprovalState.REJECTED, "Not the right week")


def test_a_missing_decision_keeps_the_comment(link, pending):
    _created, token = link
    response = Client().post(page(token), {"comment": "Kept <i>text</i>"})
    assert response.status_code == 422 and b"Kept &lt;i&gt;text&lt;/i&gt;" in response.content
    pending.refresh_from_db()
    assert pending.state == ApprovalState.PENDING


def test_expired_link_gets_a_friendly_page(link, pending):
    _created, token = link
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = Client().get(page(token))
        assert response.status_code == 410 and b'data-review-closed="expired"' in response.content
        assert b"has expired" in response.content
        Client().post(page(token), {"decision": "approve"})
    pending.refresh_from_db()
    assert pending.state == ApprovalState.PENDING


def test_unknown_token_is_a_friendly_404():
    response = Client().get(page("not-a-real-token"))
    assert response.status_code == 404 and b'data-review-closed="unknown"' in response.content


def test_an_edit_closes_the_link(link, post):
    _created, token = link
    post_update_content(post, text="Changed after the link was sent")
    response = Client().post(page(token), {"decision": "approve"})
    assert response.status_code == 410 and b'data-review-closed="closed"' in response.content
    assert post.approval_requests.get().state == ApprovalState.VOID


def test_a_change_behind_the_services_back_is_caught_at_decision(link, post):
    _created, token = link
    post.text = "changed in the admin"
    post.save()
    response = Client().post(page(token), {"decision": "approve"})
    assert response.status_code == 410
    assert post.approval_requests.get().state == ApprovalState.VOID


def test_revoked_link_stops_working(link, approver, workspace):
    created, token = link
    client = login(approver)
    response = client.post(f"/w/{workspace.slug}/approvals/links/{created.pk}/revoke/")
    assert response.status_code == 302
    assert Client().get(page(token)).status_code == 410
    assert AuditEvent.objects.filter(action="reviewer_link.revoked").count() == 1


def test_invite_page_shows_the_link_once(pending, approver, workspace):
    client = login(approver)
    url = f"/w/{workspace.slug}/approvals/{pending.pk}/reviewers/"
    response = client.post(url, {"name": "Clara", "email": "", "days": "7"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "http://testserver/review/" in html
    token = html.split("http://testserver/review/")[1].split("/")[0]
    assert ReviewerLink.objects.get().token_hash == services.hash_token(token)
    assert f"/review/{token}/" not in client.get(url).content.decode()  # shown once
    assert Client().get(page(token)).status_code == 200


def test_invite_errors_keep_what_was_typed(pending, approver, workspace):
    response = login(approver).post(f"/w/{workspace.slug}/approvals/{pending.pk}/reviewers/",
                                    {"name": "", "email": "clara-at-example", "days": "7"})
    assert response.status_code == 422
    assert b'value="clara-at-example"' in response.content and b"The e-mail address is not valid." in response.content
    assert ReviewerLink.objects.count() == 0
