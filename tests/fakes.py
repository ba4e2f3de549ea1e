"""An in-memory adapter for engine tests: scripted outcomes per call and a record of every create.

    with install_fake("x") as fake:                 # replaces the "x" adapter via platforms.registry.override
        fake.script("ok", TransientError("503"), ApplyThenRaise(), Latency(0.2), channel="acct-1")
        ...
        assert fake.create_count() == 1 and not fake.duplicates()

Outcomes, consumed one per publish() call (channel-specific scripts first, then the shared one;
when both are empty the call succeeds):
    "ok" / Success(warning=...)   create the post and return a PublishResult
    an exception instance/class   raise it; nothing is created
    ApplyThenRaise(exc)           create the post, then raise (default OutcomeUnknown): a timeout after apply
    Latency(seconds, then)        sleep, then play `then`
find_published() searches the recorded creates (script_find() injects errors); refresh() hands out a
new two-hour token (script_refresh() injects errors).

Inbox side (install_fake(..., inbox_kinds=("comment", "message")) makes sync_due pick the platform up):
    fake.add_inbox(entry, ..., channel="acct-1")   # what fetch_inbox serves, oldest first, paged by
                                                   # inbox_page_size; the cursor is the count served
    fake.script_inbox(TransientError("503"), InboxPage(...))   # outcomes played before the default
    fake.script_reply(...) / fake.script_hide(...)  # like script(): "ok" or an exception
    webhook_payload("acct-1", entry, ...)          # a stored-event payload webhook_items() understands
fetch_calls, replies and hide_calls record every call.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone

from platforms import registry
from platforms.errors import NotSupported, OutcomeUnknown, PlatformError
from platforms.types import (
    AccountInfo,
    Capabilities,
    ChannelRef,
    InboxEntry,
    InboxPage,
    PublishRequest,
    PublishResult,
    ReplyTarget,
    TokenGrant,
    WebhookItem,
)


@dataclass(frozen=True)
class Success:
    warning: str = ""


@dataclass(frozen=True)
class ApplyThenRaise:
    exc: BaseException = field(default_factory=lambda: OutcomeUnknown("The platform timed out after the request."))


@dataclass(frozen=True)
class Latency:
    seconds: float
    then: Any = "ok"


@dataclass(frozen=True)
class Created:
    channel: str  # the channel's external_id
    external_id: str
    text: str
    fingerprint: str
    at: datetime


class FakePlatform:
    """State shared by every adapter instance the registry hands out (it builds one per call)."""

    def __init__(self, platform: str = "x", display_name: str = "X", text_limit: int = 280) -> None:
        self.platform, self.display_name, self.text_limit = platform, display_name, text_limit
        self.lock = threading.Lock()
        self.creates: list[Created] = []
        self.publish_calls: list[PublishRequest] = []
        self.find_calls: list[tuple[str, str, datetime]] = []
        self.validation_problems: list[str] = []
        # Called inside publish() before the outcome plays: lets a test look around mid-send.
        self.on_publish: Callable[[PublishRequest], None] | None = None
        self._scripts: dict[str | None, deque] = defaultdict(deque)
        self._find_script: deque = deque()
        self._refresh_script: deque = deque()
        self.refresh_calls: list[ChannelRef] = []
        self._ids = itertools.count(1000)
        self.inbox: dict[str | None, list[InboxEntry]] = defaultdict(list)
        self.inbox_page_size = 50
        self.fetch_calls: list[tuple[str, str]] = []  # (channel external id, cursor)
        self._inbox_script: deque = deque()
        self.replies: list[tuple[str, ReplyTarget, str]] = []
        self._reply_script: deque = deque()
        self.hide_calls: list[tuple[str, str, bool]] = []
        self._hide_script: deque = deque()

    # --- scripting -------------------------------------------------------------------------------
    def script(self, *outcomes: Any, channel: str | None = None) -> FakePlatform:
        self._scripts[channel].extend(outcomes)
        return self

    def script_find(self, *outcomes: Any) -> FakePlatform:
        """Outcomes for find_published(): an exception to raise, or "search" to look in the creates."""
        self._find_script.extend(outcomes)
        return self

    def script_refresh(self, *outcomes: Any) -> FakePlatform:
        """Outcomes for refresh(): an exception to raise; otherwise a new token valid for two hours."""
        self._refresh_script.extend(outcomes)
        return self

    def add_inbox(self, *entries: InboxEntry, channel: str | None = None) -> FakePlatform:
        """Entries fetch_inbox serves for `channel` (None: every channel), in the order given."""
        self.inbox[channel].extend(entries)
        return self

    def script_inbox(self, *outcomes: Any) -> FakePlatform:
        """Outcomes for fetch_inbox(): an InboxPage to return or an exception to raise; then the default."""
        self._inbox_script.extend(outcomes)
        return self

    def script_reply(self, *outcomes: Any) -> FakePlatform:
        self._reply_script.extend(outcomes)
        return self

    def script_hide(self, *outcomes: Any) -> FakePlatform:
        self._hide_script.extend(outcomes)
        return self

    # --- inspection ------------------------------------------------------------------------------
    def create_count(self, channel: str | None = None) -> int:
        return sum(1 for c in self.creates if channel is None or c.channel == channel)

    def duplicates(self) -> dict[tuple[str, str], int]:
        counts = Counter((c.channel, c.fingerprint) for c in self.creates)
        return {key: n for key, n in counts.items() if n > 1}

    # --- adapter behaviour -----------------------------------------------------------------------
    def fingerprint(self, request: PublishRequest) -> str:
        media = ",".join(m.url for m in request.media)
        raw = f"{request.text.strip()}\n{request.link}\n{media}\n{'|'.join(request.thread)}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def validate(self, request: PublishRequest) -> list[str]:
        problems = list(self.validation_problems)
        if len(request.text) > self.text_limit:
            problems.append(
                f"{self.display_name} allows {self.text_limit} characters; this post has {len(request.text)}."
            )
        return problems

    def _next(self, channel: str) -> Any:
        with self.lock:
            for key in (channel, None):
                if self._scripts[key]:
                    return self._scripts[key].popleft()
        return "ok"

    def publish(self, request: PublishRequest) -> PublishResult:
        with self.lock:
            self.publish_calls.append(request)
        outcome = self._next(request.channel.external_id)
        if self.on_publish is not None:
            self.on_publish(request)
        return self._play(request, outcome)

    def _play(self, request: PublishRequest, outcome: Any) -> PublishResult:
        if isinstance(outcome, Latency):
            time.sleep(outcome.seconds)
            return self._play(request, outcome.then)
        if outcome == "ok":
            return self._create(request)
        if isinstance(outcome, Success):
            return self._create(request, warning=outcome.warning)
        if isinstance(outcome, ApplyThenRaise):
            self._create(request)
            raise outcome.exc
        if isinstance(outcome, BaseException) or (isinstance(outcome, type) and issubclass(outcome, BaseException)):
            raise outcome
        raise AssertionError(f"unknown scripted outcome {outcome!r}")

    def _create(self, request: PublishRequest, warning: str = "") -> PublishResult:
        with self.lock:
            external_id = str(next(self._ids))
            self.creates.append(
                Created(request.channel.external_id, external_id, request.text, self.fingerprint(request),
                        timezone.now())
            )
        return PublishResult(external_id=external_id, permalink=self._permalink(request.channel, external_id),
                             published_at=timezone.now(), warning=warning)

    def _permalink(self, channel: ChannelRef, external_id: str) -> str:
        return f"https://fake.example/{channel.handle or channel.external_id}/status/{external_id}"

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        with self.lock:
            self.find_calls.append((channel.external_id, fingerprint, since))
            outcome = self._find_script.popleft() if self._find_script else "search"
        if outcome != "search":
            raise outcome
        for created in self.creates:
            if created.channel == channel.external_id and created.fingerprint == fingerprint and created.at >= since:
                return PublishResult(external_id=created.external_id,
                                     permalink=self._permalink(channel, created.external_id), published_at=created.at)
        return None

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        with self.lock:
            self.fetch_calls.append((channel.external_id, cursor))
            outcome = self._inbox_script.popleft() if self._inbox_script else None
        if outcome is not None:
            return _page_or_raise(outcome)
        if cursor and not cursor.isdigit():
            raise PlatformError(f"The fake platform does not understand the cursor {cursor!r}.")
        entries = [*self.inbox[None], *self.inbox[channel.external_id]]
        start = int(cursor or 0)
        served = entries[start:start + self.inbox_page_size]
        return InboxPage(items=tuple(served), cursor=str(start + len(served)))

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        with self.lock:
            self.replies.append((channel.external_id, target, text))
            outcome = self._reply_script.popleft() if self._reply_script else "ok"
        if outcome != "ok":
            raise outcome
        external_id = f"reply-{next(self._ids)}"
        return PublishResult(external_id=external_id, permalink=self._permalink(channel, external_id),
                             published_at=timezone.now())

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        with self.lock:
            self.hide_calls.append((channel.external_id, external_id, hidden))
            outcome = self._hide_script.popleft() if self._hide_script else "ok"
        if outcome != "ok":
            raise outcome

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        """Reads what webhook_payload() builds; anything else is a PlatformError, as for a real adapter."""
        account, entries = payload.get("account_id"), payload.get("entries")
        if not isinstance(account, str) or not isinstance(entries, list):
            raise PlatformError("The fake webhook event has no account_id and entries list.")
        try:
            return [WebhookItem(account_id=account, entry=_entry_from_json(raw)) for raw in entries]
        except (TypeError, ValueError, KeyError) as exc:
            raise PlatformError(f"The fake webhook event holds a malformed entry: {exc}") from None

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        with self.lock:
            self.refresh_calls.append(channel)
            outcome = self._refresh_script.popleft() if self._refresh_script else "ok"
        if outcome != "ok":
            raise outcome
        number = len(self.refresh_calls)
        return TokenGrant(access_token=f"refreshed-access-{number}", refresh_token=f"refreshed-refresh-{number}",
                          expires_at=timezone.now() + timedelta(hours=2))


class FakeAdapter:
    """Adapter protocol over a FakePlatform; `install_fake` makes a subclass bound to one."""

    state: ClassVar[FakePlatform]
    platform = "x"
    display_name = "X"
    capabilities = Capabilities(text_limit=280, length_rule="characters", max_images=4, supports_threads=True)

    def validate(self, request: PublishRequest) -> list[str]:
        return self.state.validate(request)

    def fingerprint(self, request: PublishRequest) -> str:
        return self.state.fingerprint(request)

    def publish(self, request: PublishRequest) -> PublishResult:
        return self.state.publish(request)

    def find_published(self, channel: ChannelRef, fingerprint: str, since: datetime) -> PublishResult | None:
        return self.state.find_published(channel, fingerprint, since)

    def fetch_inbox(self, channel: ChannelRef, cursor: str) -> InboxPage:
        return self.state.fetch_inbox(channel, cursor)

    def reply(self, channel: ChannelRef, target: ReplyTarget, text: str) -> PublishResult:
        return self.state.reply(channel, target, text)

    def set_hidden(self, channel: ChannelRef, external_id: str, hidden: bool) -> None:
        self.state.set_hidden(channel, external_id, hidden)

    def webhook_items(self, payload: dict) -> list[WebhookItem]:
        return self.state.webhook_items(payload)

    def verify(self, channel: ChannelRef) -> AccountInfo:
        return AccountInfo(external_id=channel.external_id, display_name=channel.handle, handle=channel.handle)

    def authorization_url(self, redirect_uri: str):
        raise NotSupported("The fake adapter has no OAuth flow.")

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str):
        raise NotSupported("The fake adapter has no OAuth flow.")

    def refresh(self, channel: ChannelRef) -> TokenGrant:
        return self.state.refresh(channel)


def _page_or_raise(outcome: Any) -> InboxPage:
    if isinstance(outcome, InboxPage):
        return outcome
    if isinstance(outcome, BaseException) or (isinstance(outcome, type) and issubclass(outcome, BaseException)):
        raise outcome
    raise AssertionError(f"unknown scripted inbox outcome {outcome!r}")


def webhook_payload(account_id: str, *entries: InboxEntry) -> dict[str, Any]:
    """A JSON-safe stored-event payload for the fake platform (what webhook_items() reads back)."""
    def encode(entry: InboxEntry) -> dict[str, Any]:
        return {**entry.__dict__, "created_at": entry.created_at.isoformat()}

    return {"account_id": account_id, "entries": [encode(entry) for entry in entries]}


def _entry_from_json(raw: dict[str, Any]) -> InboxEntry:
    return InboxEntry(**{**raw, "created_at": datetime.fromisoformat(raw["created_at"])})


@contextmanager
def install_fake(platform: str = "x", display_name: str = "X", text_limit: int = 280,
                 inbox_kinds: tuple[str, ...] = ()) -> Iterator[FakePlatform]:
    """Register a fresh fake for `platform` for the duration of the block, then restore what was there."""
    state = FakePlatform(platform, display_name, text_limit)
    capabilities = Capabilities(text_limit=text_limit, length_rule="characters", max_images=4, supports_threads=True,
                                inbox_kinds=inbox_kinds, webhooks=bool(inbox_kinds))
    cls = type(f"Fake{platform.title()}Adapter", (FakeAdapter,),
               {"state": state, "platform": platform, "display_name": display_name, "capabilities": capabilities})
    previous = registry._OVERRIDES.get(platform)
    registry.override(platform, cls)
    try:
        yield state
    finally:
        registry.override(platform, previous)
