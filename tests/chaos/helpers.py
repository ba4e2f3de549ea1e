"""Building blocks of the chaos proofs: channels with sandbox tokens, scheduled posts, and the checks
every proof ends with (each delivery settled and readable, nothing created twice)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from platforms.models import Channel
from scheduler.models import Delivery, DeliveryState
from scheduler.services import post_schedule
from tests.factories import ChannelFactory, PostFactory
from tests.harness.stack import Stack
from workspaces.models import Workspace

VISIBLE = (DeliveryState.FAILED, DeliveryState.NEEDS_CHECK, DeliveryState.NEEDS_RECONNECT)
SETTLED = (DeliveryState.PUBLISHED, DeliveryState.CANCELLED, *VISIBLE)


def faults(sandbox: Any, *rules: dict[str, Any]) -> None:
    """Replace the sandbox's faults; the duplicate-content check stays off in every chaos test."""
    sandbox.set_faults({"rules": list(rules), "x_duplicate_check": False})


def make_channel(sandbox: Any, workspace: Workspace, username: str) -> Channel:
    """A channel connected to a sandbox X account with freshly minted tokens."""
    grant = sandbox.mint_token("x", username)
    return ChannelFactory(
        workspace=workspace, platform="x", external_id=grant["account_id"], handle=username,
        display_name=username,
        credentials={"access_token": grant["access_token"], "refresh_token": grant.get("refresh_token", "")},
    )


def schedule(workspace: Workspace, channels: Sequence[Channel], count: int, *, due_at: datetime | None = None,
             label: str = "chaos") -> list[Delivery]:
    """``count`` posts with unique text, each scheduled on every channel at ``due_at`` (default: now)."""
    due = due_at or timezone.now()
    deliveries: list[Delivery] = []
    for number in range(count):
        post = PostFactory(workspace=workspace, text=f"{label} {number} {uuid.uuid4().hex[:10]}")
        deliveries += post_schedule(post, channels, due, publish_now=True)
    return deliveries


def ids_of(deliveries: Iterable[Delivery]) -> list[int]:
    return [d.pk for d in deliveries]


def states(ids: Sequence[int]) -> Counter[str]:
    return Counter(Delivery.objects.filter(pk__in=ids).values_list("state", flat=True))


def wait_settled(stack: Stack, ids: Sequence[int], timeout: float, settled: Sequence[str] = SETTLED) -> None:
    def done() -> bool:
        return Delivery.objects.filter(pk__in=ids).exclude(state__in=settled).count() == 0

    try:
        stack.wait_until(done, timeout, interval=0.2, what=f"{len(ids)} deliveries to settle")
    except TimeoutError as exc:
        raise AssertionError(f"{exc}; states now {dict(states(ids))}") from None


def creates_by_key(sandbox: Any) -> Counter[tuple[str, str]]:
    """How many times each (account id, text) was created on the sandbox's X."""
    return Counter((create["account_id"], create["text"]) for create in sandbox.creates("x"))


def create_calls(sandbox: Any, username: str) -> list[dict[str, Any]]:
    """Every POST /2/tweets the sandbox received for the account, whatever it answered."""
    log = sandbox.requests_log(limit=5000, platform="x")
    return [r for r in log if r["method"] == "POST" and r["path"] == "/2/tweets" and r["account"] == username]


def assert_readable(message: str) -> None:
    assert message.strip(), "a delivery the user must act on has no error message"
    assert "Traceback" not in message and "Error(" not in message, f"not a readable message: {message!r}"
    assert message.rstrip().endswith((".", "!", "?")), f"not a sentence: {message!r}"


def assert_proof(sandbox: Any, ids: Sequence[int]) -> dict[str, int]:
    """Every delivery published or visibly waiting on the user, and no text created twice.

    A published delivery's external id is a create the sandbox applied with that delivery's text.
    Returns the count per state, for the test's own sharper assertions.
    """
    stats = sandbox.stats()
    assert stats["duplicates"] == 0, f"the sandbox saw duplicate creates: {stats}"
    by_key = creates_by_key(sandbox)
    doubled = {key: n for key, n in by_key.items() if n > 1}
    assert not doubled, f"posted more than once: {doubled}"
    created_ids = {create["id"]: create["text"] for create in sandbox.creates("x")}
    for delivery in Delivery.objects.filter(pk__in=ids).select_related("post", "channel"):
        created = by_key[(delivery.channel.external_id, delivery.post.text)]
        where = f"delivery {delivery.pk} ({delivery.state}, {delivery.error_message!r})"
        assert delivery.state in (DeliveryState.PUBLISHED, DeliveryState.CANCELLED, *VISIBLE), f"{where} unsettled"
        if delivery.state == DeliveryState.PUBLISHED:
            assert created_ids.get(delivery.external_id) == delivery.post.text, (
                f"{where} published as {delivery.external_id!r}, which is not a create of its text")
        elif delivery.state != DeliveryState.NEEDS_CHECK:
            assert created == 0, f"{where} is not published but its text was created {created} time(s)"
        if delivery.state in VISIBLE:
            assert_readable(delivery.error_message)
    return dict(states(ids))
