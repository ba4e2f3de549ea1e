"""Reading our media files before an upload: limits enforced while streaming, errors that say whether a retry
can help, an empty file refused."""

from __future__ import annotations

from typing import Any

import pytest

from platforms import media_fetch
from platforms.errors import ContentRejected, TransientError
from platforms.media_fetch import fetch_media, readable_size
from platforms.types import MediaItem
from tests.fileserver import serve_files
from tests.platforms.contract import closed_port_url

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000


def image(url: str) -> MediaItem:
    return MediaItem(url=url, mime_type="image/png")


def test_reads_the_whole_file() -> None:
    with serve_files({"/a.png": PNG}) as base:
        assert fetch_media(image(f"{base}/a.png"), "mastodon", "Mastodon", 10_000) == PNG


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with serve_files({"/a.png": PNG}) as base, pytest.raises(ContentRejected) as refused:
        fetch_media(image(f"{base}/a.png"), "mastodon", "Mastodon", 1_000)
    assert refused.value.platform_code == "media-size"
    assert refused.value.message == "Mastodon accepts an image of at most 1 MB; this file is larger."


def test_a_body_longer_than_its_headers_say_is_cut_off_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media_fetch, "CHUNK_BYTES", 512)
    calls: list[int] = []

    class Lying:
        status_code, headers = 200, {}  # no Content-Length at all

        def iter_content(self, size: int) -> Any:
            for _ in range(100):
                calls.append(size)
                yield b"x" * size

    with pytest.raises(ContentRejected, match="at most"):
        media_fetch._read_limited(Lying(), "video", "Bluesky", 2_000)  # type: ignore[arg-type]
    assert len(calls) == 4  # stopped at the first chunk past the limit, not after 100


def test_missing_files_are_refused_and_server_errors_retried() -> None:
    with serve_files({}) as base, pytest.raises(ContentRejected, match=r"\(HTTP 404\)"):
        fetch_media(image(f"{base}/gone.png"), "linkedin", "LinkedIn", 10_000)
    with pytest.raises(TransientError, match="will be retried"):
        fetch_media(image(f"{closed_port_url()}/a.png"), "linkedin", "LinkedIn", 10_000)


def test_an_empty_file_is_refused() -> None:
    with serve_files({"/empty.png": b""}) as base, pytest.raises(ContentRejected) as refused:
        fetch_media(image(f"{base}/empty.png"), "snapchat", "Snapchat", 10_000)
    assert refused.value.platform_code == "media-empty"


@pytest.mark.parametrize(("limit", "shown"), [(16 * 1024 ** 2, "16 MB"), (2 * 1024 ** 3, "2 GB"), (500, "1 MB")])
def test_limits_read_as_people_read_them(limit: int, shown: str) -> None:
    assert readable_size(limit) == shown
