"""The media library over the API: multipart upload through the media service (same checks and messages as
the page), list, one asset, alt text, delete (refused while a pending post uses the file), roles, isolation,
throttling, and posts that reference an uploaded file by its id, end to end to the rendered publish request."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from media import services
from media.models import MediaAsset
from media.selectors import media_item
from platforms.media_urls import media_file
from scheduler.models import Delivery, DeliveryState, Post
from tests.api.conftest import API
from tests.factories import DeliveryFactory, PostFactory, WorkspaceFactory
from tests.media.conftest import jpeg_with_exif, mp4_bytes, png_bytes, upload
from workspaces.models import AuditEvent, Role

pytestmark = [pytest.mark.django_db]
B_JPG = {"url": "https://cdn.example.com/b.jpg", "mime_type": "image/jpeg"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def send(caller, data: dict):
    return caller.client.post(f"{API}/media/", data, format="multipart")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def asset(caller) -> MediaAsset:
    return services.asset_upload(caller.workspace, upload("sunset.png", png_bytes()))


def test_upload_stores_through_the_media_service_and_answers_the_asset(caller, media_root):
    response = send(caller, {"file": upload("holiday.JPG", jpeg_with_exif()), "alt_text": "  A red flag  "})

    assert response.status_code == 201, response.json()
    asset = MediaAsset.objects.get()
    assert (asset.workspace, asset.uploaded_by_id) == (caller.workspace, caller.member.user_id)
    assert asset.alt_text == "A red flag" and asset.path.endswith(".jpg")
    assert b"SecretCam" not in media_file(asset.path).read_bytes()  # metadata stripped, as on the page
    assert response.json() == {
        "id": asset.pk, "name": "holiday.JPG", "kind": "image", "mime_type": "image/jpeg",
        "size_bytes": asset.size_bytes, "width": 32, "height": 64, "duration_s": 0.0, "alt_text": "A red flag",
        "has_thumbnail": True, "created_at": response.json()["created_at"]}
    assert response.json()["created_at"].endswith("+01:00") or response.json()["created_at"].endswith("+02:00")


def test_video_upload_is_measured(caller):
    response = send(caller, {"file": upload("clip.mp4", mp4_bytes(seconds=12.5, width=1280, height=720))})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["mime_type"], body["width"], body["height"], body["duration_s"]) == (
        "video", "video/mp4", 1280, 720, 12.5)
    assert body["alt_text"] == "" and body["has_thumbnail"] is False


@pytest.mark.parametrize(("name", "data", "message"), [
    ("evil.png", b"<?php system($_GET['c']); ?>",
     "evil.png is not an image or video SMO can read (JPEG, PNG, GIF, WebP, MP4, MOV)."),
    ("half.jpg", jpeg_with_exif((300, 200))[:1500], "half.jpg is damaged or truncated; export it again."),
    ("nothing.png", b"", "nothing.png is empty."),
])
def test_bad_files_answer_400_with_the_pages_reason_and_store_nothing(caller, media_root, name, data, message):
    response = send(caller, {"file": upload(name, data), "alt_text": "kept by the client"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "detail": f"file: {message}", "errors": {"file": [message]}}
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []


def test_oversized_file_names_the_limit(caller, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 100
    response = send(caller, {"file": upload("big.png", png_bytes())})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("file: big.png is ")
    assert response.json()["detail"].endswith("image files may be at most 0.0 MB.")


@pytest.mark.parametrize(("data", "detail"), [
    ({}, "file: No file was submitted."),
    ({"file": "not a file"}, "file: The submitted data was not a file."),
    ({"file": upload("a.png", png_bytes()), "alt_text": "x" * 1001},
     "alt_text: Ensure this field has no more than 1000 characters."),
])
def test_malformed_uploads_are_400_before_anything_is_stored(caller, media_root, data, detail):
    response = send(caller, data)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail), response.json()
    assert not MediaAsset.objects.exists() and stored_files(media_root) == []


def test_json_upload_is_415(caller):
    response = caller.post("/media/", {"file": "aGVsbG8=", "alt_text": "x"})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"


def test_list_is_paginated_newest_first_filtered_and_scoped(caller, make_caller):
    theirs = services.asset_upload(make_caller().workspace, upload("theirs.png", png_bytes()))
    older = services.asset_upload(caller.workspace, upload("logo.png", png_bytes()))
    newer = services.asset_upload(caller.workspace, upload("clip.mp4", mp4_bytes()))

    body = caller.get("/media/").json()
    assert body["count"] == 2 and [row["id"] for row in body["results"]] == [newer.pk, older.pk]
    assert theirs.pk not in {row["id"] for row in body["results"]}
    assert [r["id"] for r in caller.get("/media/", {"kind": "video"}).json()["results"]] == [newer.pk]
    assert [r["id"] for r in caller.get("/media/", {"q": "LOGO"}).json()["results"]] == [older.pk]
    paged = caller.get("/media/", {"page_size": 1, "page": 2}).json()
    assert [r["id"] for r in paged["results"]] == [older.pk] and paged["next"] is None
    assert caller.get("/media/", {"kind": "pdf"}).status_code == 400


def test_get_and_patch_alt_text(caller, asset):
    assert caller.get(f"/media/{asset.pk}/").json()["name"] == "sunset.png"
    response = caller.patch(f"/media/{asset.pk}/", {"alt_text": " Orange sky <b>over</b> sea "})
    assert response.status_code == 200 and response.json()["alt_text"] == "Orange sky <b>over</b> sea"
    assert caller.patch(f"/media/{asset.pk}/", {}).json()["alt_text"] == "Orange sky <b>over</b> sea"
    too_long = caller.patch(f"/media/{asset.pk}/", {"alt_text": "y" * 1001})
    assert too_long.status_code == 400 and too_long.json()["detail"].startswith("alt_text: Ensure this field")
    asset.refresh_from_db()
    assert asset.alt_text == "Orange sky <b>over</b> sea"


def test_delete_removes_the_row_and_its_files(caller, asset, django_capture_on_commit_callbacks):
    files = [media_file(asset.path), media_file(asset.thumbnail)]
    with django_capture_on_commit_callbacks(execute=True):
        response = caller.delete(f"/media/{asset.pk}/")
    assert response.status_code == 204
    assert not MediaAsset.objects.exists() and not any(f.exists() for f in files)


def test_writes_are_audited_with_the_tokens_user(caller, django_capture_on_commit_callbacks):
    asset_id = send(caller, {"file": upload("logo.png", png_bytes()), "alt_text": "Logo"}).json()["id"]
    caller.patch(f"/media/{asset_id}/", {"alt_text": "Our logo"})
    with django_capture_on_commit_callbacks(execute=True):
        assert caller.delete(f"/media/{asset_id}/").status_code == 204
    events = AuditEvent.objects.filter(workspace=caller.workspace, target_type="mediaasset").order_by("pk")
    assert [(e.action, e.actor_id, e.target_id) for e in events] == [
        (action, caller.member.user_id, str(asset_id))
        for action in ("media.uploaded", "media.alt_text_changed", "media.alt_text_changed", "media.deleted")]


@pytest.mark.parametrize("state", [DeliveryState.SCHEDULED, DeliveryState.FAILED])
def test_delete_is_refused_while_a_pending_post_uses_the_file(caller, asset, x_channel, state):
    post = PostFactory(workspace=caller.workspace, media=[media_item(asset)])
    DeliveryFactory(post=post, channel=x_channel, state=state)
    response = caller.delete(f"/media/{asset.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "asset_in_use"
    assert response.json()["detail"] == (
        "sunset.png is used by 1 post(s) that are not published yet; remove it from them first.")
    assert MediaAsset.objects.filter(pk=asset.pk).exists() and media_file(asset.path).exists()


def test_delete_is_allowed_once_the_post_was_published(caller, asset, x_channel):
    post = PostFactory(workspace=caller.workspace, media=[media_item(asset)])
    DeliveryFactory(post=post, channel=x_channel, state=DeliveryState.PUBLISHED)
    assert caller.delete(f"/media/{asset.pk}/").status_code == 204


@pytest.mark.parametrize(("method", "body"), [("get", None), ("patch", {"alt_text": "mine now"}), ("delete", None)])
def test_assets_of_another_workspace_are_404(make_caller, method, body):
    caller = make_caller(role=Role.ADMIN)
    theirs = services.asset_upload(WorkspaceFactory(), upload("theirs.png", png_bytes()))
    path = f"/media/{theirs.pk}/"
    response = caller.get(path) if method == "get" else getattr(caller, method)(path, *([body] if body else []))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.alt_text == "" and media_file(theirs.path).exists()


def test_huge_ids_are_404(caller):
    assert caller.get("/media/99999999999999999999999999/").status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER, "read-only token"])
def test_readers_cannot_upload_edit_or_delete(make_caller, media_root, role):
    caller = make_caller(role=Role.MARKETER, read_only=True) if role == "read-only token" else make_caller(role=role)
    asset = services.asset_upload(caller.workspace, upload("mine.png", png_bytes()))
    files_before = stored_files(media_root)
    denied = [send(caller, {"file": upload("new.png", png_bytes())}),
              caller.patch(f"/media/{asset.pk}/", {"alt_text": "changed"}), caller.delete(f"/media/{asset.pk}/")]
    assert [r.status_code for r in denied] == [403, 403, 403]
    assert denied[0].json()["detail"] == "Your role in this workspace (or this token) is read-only for this endpoint."
    assert list(MediaAsset.objects.values_list("alt_text", flat=True)) == [""]
    assert stored_files(media_root) == files_before
    assert caller.get("/media/").status_code == 200 and caller.get(f"/media/{asset.pk}/").status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETER, Role.COMMUNITY_MANAGER])
def test_the_library_pages_writers_upload(make_caller, role):
    # The same roles as the media library page (media.views.WRITERS).
    assert send(make_caller(role=role), {"file": upload("a.png", png_bytes())}).status_code == 201


@override_settings(API_THROTTLE_RATE="2/min")
def test_uploads_are_throttled_per_token(caller):
    statuses = [send(caller, {"file": upload(f"{n}.png", png_bytes())}).status_code for n in range(3)]
    assert statuses == [201, 201, 429]
    assert MediaAsset.objects.count() == 2


# -- posts referencing uploaded files --------------------------------------------------------------------------


def test_post_with_variants_and_uploaded_media_end_to_end(caller, x_channel, fb_channel):
    """Upload over the API, reference the file by id in the post and a variant, schedule, render for sending."""
    uploaded = send(caller, {"file": upload("sunset.png", png_bytes()), "alt_text": "Orange sky"}).json()
    created = caller.post("/posts/", {
        "text": "Tonight's sky", "media": [{"asset": uploaded["id"]}],
        "variants": [{"channel": x_channel.pk, "media": [{"asset": uploaded["id"], "alt_text": "Sky for X"},
                                                         B_JPG]}],
    })
    assert created.status_code == 201, created.json()
    asset = MediaAsset.objects.get(pk=uploaded["id"])
    post = Post.objects.get(pk=created.json()["id"])
    assert post.media == [{**media_item(asset), "asset": asset.pk}]
    assert post.media[0]["alt_text"] == "Orange sky"
    x_media = post.variants.get(channel=x_channel).media
    assert x_media[0] == {**media_item(asset), "asset": asset.pk, "alt_text": "Sky for X"}
    assert x_media[1] == B_JPG
    answered = created.json()["media"][0]
    assert (answered["asset"], answered["path"], answered["mime_type"]) == (asset.pk, asset.path, "image/png")

    scheduled = caller.post(f"/posts/{post.pk}/schedule/", {"channels": [x_channel.pk, fb_channel.pk],
                                                            "at": "2999-01-01T09:00"})
    assert scheduled.status_code == 200, scheduled.json()
    from scheduler.rendering import render_request  # here: imported first, it closes an import cycle

    for delivery in Delivery.objects.filter(post=post).select_related("channel"):
        request = render_request(delivery)
        item = request.media[0]
        assert "/m/" in item.url and item.mime_type == "image/png" and (item.width, item.height) == (40, 30)
        assert item.alt_text == ("Sky for X" if delivery.channel == x_channel else "Orange sky")

    refused = caller.delete(f"/media/{asset.pk}/")
    assert refused.status_code == 409 and refused.json()["code"] == "asset_in_use"


def test_patch_post_media_to_an_asset(caller, asset):
    post = PostFactory(workspace=caller.workspace, media=[])
    response = caller.patch(f"/posts/{post.pk}/", {"media": [{"asset": asset.pk, "alt_text": ""}]})
    assert response.status_code == 200, response.json()
    post.refresh_from_db()
    assert post.media == [{**media_item(asset), "asset": asset.pk, "alt_text": ""}]


@pytest.mark.parametrize(("item", "detail"), [
    ({"asset": "{theirs}"}, "media: No media file with id {theirs} in this workspace."),
    ({"asset": 987654321}, "media: No media file with id 987654321 in this workspace."),
    ({"asset": "{mine}", "url": "https://cdn.example.com/a.jpg"}, "asset: Give either url or asset, not both."),
    ({"alt_text": "no file"}, "url: This field is required. Give a public link, or give asset (the id of an "
                              "uploaded file) instead."),
    ({"asset": 0}, "asset: Ensure this value is greater than or equal to 1."),
])
def test_bad_asset_references_are_400_and_create_nothing(caller, make_caller, asset, item, detail):
    theirs = services.asset_upload(make_caller().workspace, upload("theirs.png", png_bytes()))
    ids = {"{theirs}": theirs.pk, "{mine}": asset.pk}
    item = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in item.items()}
    response = caller.post("/posts/", {"text": "hi", "media": [item]})
    assert response.status_code == 400, response.json()
    assert response.json()["detail"].startswith("media") and response.json()["detail"].endswith(
        detail.format(theirs=theirs.pk)), response.json()
    assert not Post.objects.exists()


def test_a_variant_referencing_another_workspaces_file_is_400(caller, make_caller, x_channel):
    theirs = services.asset_upload(make_caller().workspace, upload("theirs.png", png_bytes()))
    response = caller.post("/posts/", {"text": "hi", "variants": [{"channel": x_channel.pk,
                                                                   "media": [{"asset": theirs.pk}]}]})
    assert response.status_code == 400
    assert response.json()["detail"] == f"variants: No media file with id {theirs.pk} in this workspace."


def test_a_client_cannot_point_media_at_a_stored_path(caller, make_caller):
    # `path` is answered, never accepted: another workspace's file could be named by it.
    theirs = services.asset_upload(make_caller().workspace, upload("theirs.png", png_bytes()))
    response = caller.post("/posts/", {"text": "hi", "media": [{"path": theirs.path}]})
    assert response.status_code == 400 and not Post.objects.exists()
