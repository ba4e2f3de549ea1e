"""Signed public media URLs: building, signing, expiry, traversal, and the anonymous serving view."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.urls import include, path

from platforms import media_urls
from platforms.media_urls import SALT, MediaPathError, public_media_url, sign, unsign

# Until smo/urls.py includes platforms.media_urls_conf, these tests mount it themselves.
urlpatterns = [path("", include("platforms.media_urls_conf"))]
pytestmark = pytest.mark.urls(__name__)

T0 = 1_700_000_000.0


@pytest.fixture
def clock(monkeypatch):
    state = {"now": T0}
    monkeypatch.setattr(media_urls, "now", lambda: state["now"])
    return state


@pytest.fixture
def media_root(settings, tmp_path: Path, clock) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.PUBLIC_BASE_URL = "https://smo.example/"
    settings.MEDIA_URL_MAX_AGE_SECONDS = 3600
    (tmp_path / "secret.txt").write_text("do not serve")
    return settings.MEDIA_ROOT


def put(root: Path, name: str, data: bytes = b"\xff\xd8\xff\xe0 fake jpeg") -> str:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(data)
    return name


def route(url: str) -> str:
    return urlsplit(url).path


# -- building and signing -----------------------------------------------------------------------


def test_url_shape_and_round_trip(media_root, client):
    put(media_root, "w1/photo.jpg", b"JPEGDATA")
    url = public_media_url("w1/photo.jpg")
    assert url.startswith("https://smo.example/m/") and url.endswith("/photo.jpg")
    token = url.split("/")[-2]
    assert unsign(token) == media_urls.SignedMedia("w1/photo.jpg", int(T0) + 3600)

    response = client.get(route(url))  # anonymous: platforms fetch without a session
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"JPEGDATA"
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == "8"
    assert response["Cache-Control"] == "public, max-age=3600"


def test_names_with_spaces_are_quoted(media_root, client):
    put(media_root, "my photo.png")
    url = public_media_url("my photo.png")
    assert url.endswith("/my%20photo.png")
    assert client.get(route(url)).status_code == 200


@pytest.mark.parametrize("name, content_type", [
    ("a.png", "image/png"), ("a.gif", "image/gif"), ("a.webp", "image/webp"), ("a.JPEG", "image/jpeg"),
    ("a.mp4", "video/mp4"), ("a.mov", "video/quicktime"), ("a.weird-ext", "application/octet-stream"),
])
def test_content_types(media_root, client, name, content_type):
    put(media_root, name)
    response = client.get(route(public_media_url(name)))
    assert response.status_code == 200 and response["Content-Type"] == content_type


def test_head_and_post(media_root, client):
    put(media_root, "a.jpg")
    url = route(public_media_url("a.jpg"))
    head = client.head(url)
    assert head.status_code == 200 and head["Content-Type"] == "image/jpeg"
    assert client.post(url).status_code == 405


def test_paths_are_normalised_before_signing(media_root):
    token = public_media_url("./w1//./photo.jpg").split("/")[-2]
    assert unsign(token).relative_path == "w1/photo.jpg"


# -- tampering ----------------------------------------------------------------------------------


def test_tampered_token_is_403(media_root, client):
    put(media_root, "a.jpg")
    url = route(public_media_url("a.jpg"))
    prefix, token, name = url.rsplit("/", 2)
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(f"{prefix}/{flipped}/{name}")
    assert response.status_code == 403
    assert response.content == b"This media link is not valid."
    assert client.get(f"{prefix}/not-a-token/{name}").status_code == 403


def test_token_from_another_salt_or_shape_is_403(media_root, client):
    put(media_root, "a.jpg")
    other_salt = signing.dumps({"p": "a.jpg", "e": int(T0) + 60}, salt="something-else")
    assert client.get(f"/m/{other_salt}/a.jpg").status_code == 403
    wrong_shape = signing.dumps(["a.jpg", int(T0) + 60], salt=SALT)
    assert client.get(f"/m/{wrong_shape}/a.jpg").status_code == 403


def test_a_token_only_serves_its_own_file(media_root, client):
    put(media_root, "a.jpg", b"A")
    put(media_root, "b.jpg", b"B")
    token = route(public_media_url("a.jpg")).split("/")[-2]
    assert client.get(f"/m/{token}/b.jpg").status_code == 404


# -- expiry -------------------------------------------------------------------------------------


def test_expiry_uses_the_setting(media_root, client, clock, settings):
    settings.MEDIA_URL_MAX_AGE_SECONDS = 60
    put(media_root, "a.jpg")
    url = route(public_media_url("a.jpg"))
    clock["now"] = T0 + 59
    ok = client.get(url)
    assert ok.status_code == 200 and ok["Cache-Control"] == "public, max-age=1"
    clock["now"] = T0 + 60
    gone = client.get(url)
    assert gone.status_code == 410
    assert gone.content == b"This media link has expired."


def test_expiry_per_url(media_root, client, clock):
    put(media_root, "a.jpg")
    url = route(public_media_url("a.jpg", max_age=5))
    clock["now"] = T0 + 5
    assert client.get(url).status_code == 410


def test_expired_but_tampered_is_still_403(media_root, client, clock):
    put(media_root, "a.jpg")
    url = route(public_media_url("a.jpg", max_age=5))
    clock["now"] = T0 + 100
    assert client.get(url.replace("/m/", "/m/x")).status_code == 403


# -- traversal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [
    "../secret.txt", "a/../../secret.txt", "/etc/passwd", "..\\secret.txt", "C:\\secret.txt", "", ".", "a\x00.jpg",
])
def test_building_a_url_outside_media_root_is_refused(media_root, bad):
    with pytest.raises(MediaPathError):
        public_media_url(bad)


def test_signed_traversal_is_never_served(media_root, client):
    # Even a token we signed (a bug elsewhere, a leaked key) cannot reach outside MEDIA_ROOT.
    for escape in ("../secret.txt", "/" + str(media_root.parent / "secret.txt").lstrip("/")):
        token = signing.dumps({"p": escape, "e": int(T0) + 60}, salt=SALT, compress=True)
        response = client.get(f"/m/{token}/secret.txt")
        assert response.status_code == 404 and b"do not serve" not in response.content


def test_encoded_traversal_in_the_name_is_404(media_root, client):
    put(media_root, "a.jpg")
    token = route(public_media_url("a.jpg")).split("/")[-2]
    for name in ("..%2F..%2Fsecret.txt", "%2e%2e%2fsecret.txt", "..%5Csecret.txt", "%2e%2e"):
        response = client.get(f"/m/{token}/{name}")
        assert response.status_code == 404 and b"do not serve" not in response.content


def test_symlink_out_of_media_root_is_404(media_root, client):
    os.symlink(media_root.parent / "secret.txt", media_root / "link.txt")
    url = route(public_media_url("link.txt"))
    response = client.get(url)
    assert response.status_code == 404 and b"do not serve" not in response.content


def test_missing_file_or_directory_is_404(media_root, client):
    url = route(public_media_url("gone.jpg"))
    assert client.get(url).status_code == 404
    (media_root / "folder").mkdir()
    assert client.get(route(public_media_url("folder"))).status_code == 404


# -- PUBLIC_BASE_URL ----------------------------------------------------------------------------


def test_debug_falls_back_to_runserver(media_root, settings):
    settings.PUBLIC_BASE_URL = ""
    settings.DEBUG = True
    assert public_media_url("a.jpg").startswith("http://127.0.0.1:8000/m/")


def test_missing_base_url_without_debug_is_a_clear_error(media_root, settings):
    settings.PUBLIC_BASE_URL = ""
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="PUBLIC_BASE_URL is not set"):
        public_media_url("a.jpg")


def test_sign_defaults_to_a_day(settings, clock):
    del settings.MEDIA_URL_MAX_AGE_SECONDS
    assert unsign(sign("a.jpg")).expires_at == int(T0) + 86_400
