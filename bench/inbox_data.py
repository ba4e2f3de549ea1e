"""The inbox benchmark's data: the entries of the one big sync, X webhook events, the 100,000-item workspace."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ACCOUNT = "900000001"  # the webhook channel's X account id (X ids are digits)
TEXTS = [
    "Love this, great work team!", "Thanks, that was really helpful.", "When does the store open tomorrow?",
    "Is this available in blue?", "This is terrible, I hate it. Worst company ever, total scam!",
    "Not great.", "Kind of meh.", "Absolutely fantastic news, congratulations!", "I want a refund, this is awful.",
    "Das ist leider nicht gut.", "ok", "Can you DM me the details?", "Horrible customer service, never again!!!",
    "Nice 😍", "How much does shipping cost to Austria?", "You people are liars and cheats.",
]
LIST_VARIANTS = [{}, {}, {}, {}, {"unread": "1"}, {"sentiment": "negative"}, {"attention": "1"}, {"status": "all"}]


@dataclass(frozen=True)
class ListSite:
    """What bench/web.py's client_session and hammer need: a user, and one request per call."""

    slug: str
    user_id: int

    def request(self, endpoint: str, rng: random.Random) -> tuple[str, str, dict[str, Any]]:
        return "GET", f"/w/{self.slug}/inbox/list/", dict(rng.choice(LIST_VARIANTS))


def sync_entries(n: int, now: datetime) -> list[Any]:
    from platforms.types import InboxEntry

    entries = []
    for i in range(n):
        at, text = now - timedelta(seconds=(n - i) * 5), f"{TEXTS[i % len(TEXTS)]} #{i}"
        if i % 10 == 9:
            author = f"d{i % 500}"
            entries.append(InboxEntry(external_id=f"m{i}", kind="message", conversation_id=f"dm-{author}",
                                      author_name=f"Writer {author}", author_handle=author, author_id=author,
                                      text=text, created_at=at))
            continue
        post = f"post-{i % 100}"
        reply = i % 10 == 8
        entries.append(InboxEntry(
            external_id=f"s{i}", kind="reply" if reply else "comment", conversation_id=post, post_external_id=post,
            in_reply_to=f"s{i - 1}" if reply else post, author_name=f"Fan {i % 2000}", author_handle=f"fan{i % 2000}",
            author_id=f"u{i % 2000}", text=text, created_at=at))
    return entries


def x_event(i: int, now: datetime) -> bytes:
    user = {"id": 800000000 + i % 700, "id_str": str(800000000 + i % 700), "name": f"Fan {i % 700}",
            "screen_name": f"fan{i % 700}"}
    text = f"{TEXTS[i % len(TEXTS)]} (event {i})"
    if i % 5 == 4:
        millis = str(int(now.timestamp() * 1000))
        event = {"type": "message_create", "id": str(7000000000 + i), "created_timestamp": millis,
                 "message_create": {"target": {"recipient_id": ACCOUNT}, "sender_id": user["id_str"],
                                    "message_data": {"text": text}}}
        payload = {"for_user_id": ACCOUNT, "direct_message_events": [event], "users": {user["id_str"]: user}}
    else:
        parent = str(5000000000 + i % 40)
        payload = {"for_user_id": ACCOUNT, "tweet_create_events": [{
            "created_at": now.strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": 6000000000 + i,
            "id_str": str(6000000000 + i), "text": text, "in_reply_to_status_id_str": parent,
            "in_reply_to_user_id_str": ACCOUNT, "user": user}]}
    return json.dumps(payload).encode()


def seed_list(n: int) -> ListSite:
    """N items in N/4 threads over four channels, scored like ingest would; ~1% of threads need attention."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from inbox.models import Conversation, InboxItem
    from inbox.sentiment import score
    from platforms.models import Channel
    from workspaces.models import Member, Role, Workspace

    workspace = Workspace.objects.create(name="Bench inbox", slug="bench-inbox", time_zone="Europe/Berlin")
    user = get_user_model().objects.create_user("bench-inbox")
    Member.objects.create(workspace=workspace, user=user, role=Role.COMMUNITY_MANAGER)
    channels = [Channel.objects.create(workspace=workspace, platform=p, external_id=f"list-{k}",
                                       display_name=f"{p} {k}", credentials={"access_token": "bench"})
                for k, p in enumerate(("x", "facebook", "instagram", "x"))]
    scored = {text: score(text) for text in TEXTS}
    now, threads = timezone.now(), max(n // 4, 1)
    for start in range(0, threads, 2000):
        batch = range(start, min(start + 2000, threads))
        made = Conversation.objects.bulk_create([Conversation(
            workspace=workspace, channel=channels[t % 4], external_id=f"t{t}", kind="message" if t % 3 else "comment",
            title=f"Fan {t}", snippet=TEXTS[t % len(TEXTS)], author_name=f"Fan {t}", author_handle=f"fan{t}",
            item_count=4, last_item_at=now - timedelta(minutes=threads - t), needs_attention=t % 97 == 0,
            sentiment_label=scored[TEXTS[t % len(TEXTS)]][1]) for t in batch])
        items = []
        for conversation, t in zip(made, batch, strict=True):
            for k in range(4):
                text = TEXTS[(t + k) % len(TEXTS)]
                items.append(InboxItem(
                    workspace=workspace, channel=conversation.channel, conversation=conversation,
                    external_id=f"i{t}-{k}", kind=conversation.kind, author_name=f"Fan {t}", author_handle=f"fan{t}",
                    text=text, sentiment=scored[text][0], sentiment_label=scored[text][1],
                    created_at=conversation.last_item_at - timedelta(minutes=3 - k)))
        InboxItem.objects.bulk_create(items, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ListSite(slug=workspace.slug, user_id=user.pk)


