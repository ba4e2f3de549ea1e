"""The gate: where the workspace requires approval, only approved, unchanged content is scheduled or sent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from approvals import services
from approvals.gate import approval_required_error
from approvals.models import ApprovalState
from scheduler import composer
from scheduler.models import Delivery, DeliveryState
from scheduler.services import post_retry_failed, post_schedule, post_update_content
from tests.approvals.conftest import later
from tests.factories import ChannelFactory

pytestmark = [pytest.mark.django_db]


def approve(post, marketer, approver):
    return services.approval_decide(services.approval_request(post, marketer.user), approver.user, True)


def refused(call) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        call()
    assert error.value.code == "approval_required"
    return error.value


def test_no_request_is_refused_with_what_to_do(post, x, fb):
    error = refused(lambda: post_schedule(post, [x, fb], later()))
    assert "request approval first" in error.messages[0]
    refused(lambda: post_schedule(post, [x, fb], timezone.now(), publish_now=True))
    assert set(Delivery.objects.filter(post=post).values_list("state", flat=True)) == {DeliveryState.DRAFT}


def test_pending_and_rejected_are_refused(post, x, fb, marketer, approver):
    request = services.approval_request(post, marketer.user)
    assert "waiting for approval" in refused(lambda: post_schedule(post, [x, fb], later())).messages[0]
    services.approval_decide(request, approver.user, False, "Wrong <b>date</b>")
    message = refused(lambda: post_schedule(post, [x, fb], later())).messages[0]
    assert approver.user.username in message and "Wrong <b>date</b>" in message


def test_approved_content_is_scheduled(post, x, fb, marketer, approver):
    approve(post, marketer, approver)
    deliveries = post_schedule(post, [x, fb], later())
    assert {d.state for d in deliveries} == {DeliveryState.SCHEDULED}


def test_edited_after_approval_is_refused_until_approved_again(post, x, fb, marketer, approver):
    approve(post, marketer, approver)
    post_update_content(post, text="Edited after approval")
    message = refused(lambda: post_schedule(post, [x, fb], later())).messages[0]
    assert "changed since it was approved" in message
    approve(post, marketer, approver)
    assert len(post_schedule(post, [x, fb], later())) == 2


def test_a_subset_of_the_approved_channels_may_go_but_not_another_channel(post, x, fb, marketer, approver, workspace):
    approve(post, marketer, approver)
    assert approval_required_error(post, [x]) is None  # e.g. a queue books one channel at a time
    other = ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme Jobs")
    message = refused(lambda: post_schedule(post, [x, other], later())).messages[0]
    assert "covers Acme on X, Acme Page only" in message or "covers Acme Page, Acme on X only" in message


def test_not_required_means_no_gate(post, x, fb, workspace):
    workspace.requires_approval = False
    workspace.save()
    post.refresh_from_db()
    assert len(post_schedule(post, [x, fb], later())) == 2


def test_retrying_failed_deliveries_of_a_changed_post_is_refused(post, x, fb, marketer, approver):
    approve(post, marketer, approver)
    Delivery.objects.filter(post=post).update(state=DeliveryState.FAILED)
    post_update_content(post, text="Edited after the failure")
    refused(lambda: post_retry_failed(post))
    assert set(Delivery.objects.filter(post=post).values_list("state", flat=True)) == {DeliveryState.FAILED}
    approve(post, marketer, approver)
    assert post_retry_failed(post) == 2


# -- the composer ----------------------------------------------------------------------------------


def compose(x, fb, post, **extra) -> composer.ComposeInput:
    return composer.ComposeInput(text=extra.pop("text", post.text), channel_ids=[x.pk, fb.pk], post_id=post.pk,
                                 at=later(), **extra)


def test_composer_schedule_is_refused_but_the_draft_is_saved(post, x, fb, marketer, workspace):
    data = compose(x, fb, post, text="Typed and kept")
    with pytest.raises(ValidationError) as error:
        composer.composer_submit(workspace, marketer.user, data, "schedule")
    assert error.value.code == "approval_required"
    post.refresh_from_db()
    assert post.text == "Typed and kept"


def test_composer_request_approval_action(post, x, fb, marketer, approver, workspace):
    composer.composer_submit(workspace, marketer.user, compose(x, fb, post, text="Ready"), "request_approval")
    request = post.approval_requests.get()
    assert request.state == ApprovalState.PENDING and request.snapshot["text"] == "Ready"
    services.approval_decide(request, approver.user, True)
    composer.composer_submit(workspace, marketer.user, compose(x, fb, post, text="Ready"), "schedule")
    assert set(Delivery.objects.filter(post=post).values_list("state", flat=True)) == {DeliveryState.SCHEDULED}


def test_composer_autosave_with_the_same_content_keeps_the_approval(post, x, fb, marketer, approver, workspace):
    approve(post, marketer, approver)
    composer.composer_autosave(workspace, marketer.user, compose(x, fb, post))
    assert post.approval_requests.get().state == ApprovalState.APPROVED
    composer.composer_autosave(workspace, marketer.user, compose(x, fb, post, text="typo fixed"))
    assert post.approval_requests.get().state == ApprovalState.VOID
