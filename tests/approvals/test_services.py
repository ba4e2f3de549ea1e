"""Requesting, deciding, voiding on edits, roles and the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from approvals import services
from approvals.gate import approval_is_valid
from approvals.models import ApprovalRequest, ApprovalState
from scheduler import composer
from scheduler.models import Delivery, DeliveryState
from scheduler.services import post_schedule, post_set_variants, post_update_content
from tests.approvals.conftest import later, member
from workspaces.models import AuditEvent, Role

pytestmark = [pytest.mark.django_db]


def approved(post, marketer, approver) -> ApprovalRequest:
    request = services.approval_request(post, marketer.user)
    return services.approval_decide(request, approver.user, True, "Looks good")


def actions(workspace) -> list[str]:
    return list(AuditEvent.objects.filter(workspace=workspace, action__startswith="approval")
                .order_by("pk").values_list("action", flat=True))


def test_request_snapshots_the_content_and_is_audited(post, marketer, x, fb, workspace):
    request = services.approval_request(post, marketer.user)
    assert request.state == ApprovalState.PENDING and request.requested_by == marketer.user
    assert request.snapshot["text"] == "Spring launch"
    assert [c["id"] for c in request.snapshot["channels"]] == sorted([x.pk, fb.pk])
    assert actions(workspace) == ["approval.requested"]


def test_asking_twice_for_the_same_content_is_refused(post, marketer):
    services.approval_request(post, marketer.user)
    with pytest.raises(ValidationError) as error:
        services.approval_request(post, marketer.user)
    assert error.value.code == "already_requested"
    assert ApprovalRequest.objects.count() == 1


def test_a_post_without_channels_cannot_be_sent_for_approval(workspace, marketer):
    from tests.approvals.conftest import draft

    with pytest.raises(ValidationError) as error:
        services.approval_request(draft(workspace), marketer.user)
    assert error.value.code == "no_channels"


def test_approve_and_reject_record_who_when_and_why(post, marketer, approver, workspace):
    request = approved(post, marketer, approver)
    assert (request.state, request.decided_by, request.reviewer_label) == (
        ApprovalState.APPROVED, approver.user, approver.user.username)
    assert request.decided_at is not None and request.comment == "Looks good"
    assert approval_is_valid(post)
    post.text = "Changed"
    post.save()
    second = services.approval_request(post, marketer.user)
    services.approval_decide(second, approver.user, False, "Too loud")
    second.refresh_from_db()
    assert second.state == ApprovalState.REJECTED and not approval_is_valid(post)
    assert actions(workspace) == ["approval.requested", "approval.approved", "approval.voided",
                                  "approval.requested", "approval.rejected"]


@pytest.mark.parametrize("role", [Role.MARKETER, Role.VIEWER, Role.COMMUNITY_MANAGER])
def test_only_approvers_and_admins_decide(post, marketer, workspace, role):
    request = services.approval_request(post, marketer.user)
    with pytest.raises(PermissionDenied):
        services.approval_decide(request, member(workspace, role).user, True)
    request.refresh_from_db()
    assert request.state == ApprovalState.PENDING


@pytest.mark.parametrize("role", [Role.APPROVER, Role.VIEWER])
def test_only_editors_request(post, workspace, role):
    with pytest.raises(PermissionDenied):
        services.approval_request(post, member(workspace, role).user)


def test_approvers_cannot_approve_their_own_request_admins_can(post, workspace, marketer):
    former = member(workspace, Role.MARKETER)
    request = services.approval_request(post, former.user)
    former.role = Role.APPROVER  # promoted after asking
    former.save()
    with pytest.raises(PermissionDenied):
        services.approval_decide(request, former.user, True)
    post.text = "Admin's own"
    post.save()
    boss = member(workspace, Role.ADMIN)
    own = services.approval_request(post, boss.user)
    assert services.approval_decide(own, boss.user, True).state == ApprovalState.APPROVED


def test_a_member_of_another_workspace_cannot_decide(post, marketer):
    from tests.factories import MemberFactory

    stranger = MemberFactory(role=Role.APPROVER)
    request = services.approval_request(post, marketer.user)
    with pytest.raises(PermissionDenied):
        services.approval_decide(request, stranger.user, True)


def test_deciding_a_closed_request_is_refused(post, marketer, approver):
    request = approved(post, marketer, approver)
    with pytest.raises(ValidationError) as error:
        services.approval_decide(request, approver.user, False)
    assert error.value.code == "closed"


def test_deciding_after_an_unhooked_edit_voids_instead(post, marketer, approver):
    request = services.approval_request(post, marketer.user)
    post.text = "edited behind the services' back"
    post.save()
    with pytest.raises(ValidationError) as error:
        services.approval_decide(request, approver.user, True)
    assert error.value.code == "stale"
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID


# -- voiding on edits --------------------------------------------------------------------------------


def test_text_edit_voids_the_approval_and_keeps_the_snapshot(post, marketer, approver, workspace,
                                                             django_capture_on_commit_callbacks):
    request = approved(post, marketer, approver)
    with django_capture_on_commit_callbacks(execute=True):  # the void is audited once the edit commits
        post_update_content(post, text="Spring launch, edited", actor=marketer.user)
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID and request.void_reason == "The content changed."
    assert request.snapshot["text"] == "Spring launch"
    assert not approval_is_valid(post)
    voided = AuditEvent.objects.get(action="approval.voided")
    assert voided.actor == marketer.user and voided.details["request"] == request.pk


def test_an_edit_that_changes_nothing_published_keeps_the_approval(post, marketer, approver):
    request = approved(post, marketer, approver)
    post_update_content(post, text="Spring launch")
    request.refresh_from_db()
    assert request.state == ApprovalState.APPROVED and approval_is_valid(post)


def test_variant_edit_voids(post, marketer, approver, x):
    request = approved(post, marketer, approver)
    post_set_variants(post, [{"channel": x, "text": "Only on X"}])
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID


def test_media_edit_voids(post, marketer, approver):
    request = approved(post, marketer, approver)
    post_update_content(post, media=[{"url": "https://cdn.example.com/new.jpg", "mime_type": "image/jpeg",
                                      "alt_text": "New"}])
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID


def test_channel_set_change_in_the_composer_voids(post, marketer, approver, workspace, x, fb):
    request = approved(post, marketer, approver)
    data = composer.ComposeInput(text=post.text, channel_ids=[x.pk], post_id=post.pk)
    composer.composer_save_draft(workspace, marketer.user, data)
    request.refresh_from_db()
    assert (request.state, request.void_reason) == (ApprovalState.VOID, "The channels changed.")


def test_pending_requests_are_voided_too(post, marketer):
    request = services.approval_request(post, marketer.user)
    post_update_content(post, link="https://example.com/new")
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID


def test_an_edit_takes_a_scheduled_post_off_the_schedule_when_approval_is_required(
        post, marketer, approver, x, fb, django_capture_on_commit_callbacks):
    approved(post, marketer, approver)
    post_schedule(post, [x, fb], later())
    with django_capture_on_commit_callbacks(execute=True):
        post_update_content(post, text="Sneaky change after approval")
    states = set(Delivery.objects.filter(post=post).values_list("state", flat=True))
    assert states == {DeliveryState.DRAFT}
    held = Delivery.objects.filter(post=post).first()
    assert held.due_at is not None  # the time is kept for when it is approved again
    assert AuditEvent.objects.get(action="approval.voided").details["held_deliveries"] == 2


def test_without_the_requirement_an_edit_voids_but_keeps_the_schedule(post, marketer, approver, x, fb, workspace):
    workspace.requires_approval = False
    workspace.save()
    request = approved(post, marketer, approver)
    post_schedule(post, [x, fb], later())
    post_update_content(post, text="Changed")
    request.refresh_from_db()
    assert request.state == ApprovalState.VOID
    assert set(Delivery.objects.filter(post=post).values_list("state", flat=True)) == {DeliveryState.SCHEDULED}


def test_a_new_request_for_changed_content_voids_the_old_one(post, marketer, approver):
    old = approved(post, marketer, approver)
    post.text = "edited outside the services"
    post.save()
    new = services.approval_request(post, marketer.user)
    old.refresh_from_db()
    assert old.state == ApprovalState.VOID and new.state == ApprovalState.PENDING
