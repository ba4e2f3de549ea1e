"""The composer's live counter in the web benchmark (bench/web.py): the form it posts.

Each request is what the composer sends while someone types: base text (Latin, CJK, emoji, long, short),
a link, a media line, three channels (X, Facebook, Instagram) and an X variant of a random length. Run alone,
this measures only the counter:

    .venv/bin/python -m bench.composer_counter [bench/web.py's options]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

TARGET_P95_MS = 30.0
SAMPLES = [
    "Spring launch: everything you need to know 🚀 https://example.com/spring?utm_source=smo",
    "新製品の発売日です。詳しくはこちら https://example.jp/launch " * 3,
    "Short and sweet.",
    "A long thread opener " * 14 + "#launch #spring",
    "Emoji party 🎉🎉🎉🎉🎉 with a link https://example.com/a/b/c and more words to count " * 2,
]


def counter_form(channel_ids: list[int], rng: random.Random) -> dict[str, Any]:
    text = rng.choice(SAMPLES)
    data: dict[str, Any] = {"text": text, "link": "https://example.com/launch", "media": "https://cdn.example.com/p.jpg",
                            "channels": [str(pk) for pk in channel_ids], "at": "2036-05-04T09:30", "draft_key": "b"}
    data[f"v{channel_ids[0]}-text"] = text[: rng.randint(10, len(text))]
    return data


def counter_request(slug: str, channel_ids: list[int], rng: random.Random) -> tuple[str, str, dict[str, Any]]:
    """(method, path, form) of one counter request, answered as JSON (the Accept header says so)."""
    from django.urls import reverse

    return "POST", reverse("composer:counter", kwargs={"slug": slug}), counter_form(channel_ids, rng)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench import web

    sys.exit(web.main(["--only", "counter", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
