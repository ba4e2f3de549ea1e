"""Media library pages and endpoints: uploads over HTTP, alt text, delete, serving, picker, roles, isolation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from media import services
from media.models import MediaAsset
from media.selectors import media_item
from platforms.media_urls import media_file
from scheduler.models import DeliveryState
from tests.factories import ChannelFactory, DeliveryFactory, PostFactory, WorkspaceFactory
from tests.media.conftest import jpeg_with_exif, mp4_bytes, png_bytes, upload
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]
JSON = {"HTTP_ACCEPT": "application/json"}
BASE = "/w/acme/media/"


@pytest.fixture
def asset(workspace):
    made = services.asset_upload(workspace, upload("sunset <script>.png", png_bytes()))
    return services.asset_set_alt_text(made, "Sun <img src=x onerror=alert(1)>")


def test_xhr_upload_answers_json_with_a_picker_entry_and_card(workspace, login):
    client = login(Role.MARKETER)
    response = client.post(f"{BASE}upload/", {"file": upload("photo.jpg", jpeg_with_exif())}, **JSON)

    assert response.status_code == 201
    asset = MediaAsset.objects.get()
    body = response.json()
    assert body["asset"] == {**media_item(asset), "library": {
        "id": asset.pk, "name": "photo.jpg", "kind": "image",
        "thumbnail_url": f"{BASE}{asset.pk}/thumbnail/", "file_url": f"{BASE}{asset.pk}/file/"}}
    assert f'id="asset-{asset.pk}"' in body["html"] and "photo.jpg" in body["html"]
    assert asset.uploaded_by == client.user and asset.workspace == workspace


@pytest.mark.parametrize(("name", "data", "message"), [
    ("evil.png", b"<?php system($_GET['c']); ?>", "evil.png is not an image or video SMO can read"),
    ("half.jpg", jpeg_with_exif((300, 200))[:1500], "half.jpg is damaged or truncated; export it again."),
])
def test_bad_uploads_answer_400_with_the_reason(login, name, data, message):
    response = login().post(f"{BASE}upload/", {"file": upload(name, data)}, **JSON)
    assert response.status_code == 400 and response.json()["error"].startswith(message)
    assert not MediaAsset.objects.exists()


def test_oversized_upload_answers_400(login, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 100
    response = login().post(f"{BASE}upload/", {"file": upload("big.png", png_bytes())}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"].endswith("image files may be at most 0.0 MB.")


def test_form_upload_without_js_redirects_with_a_message(login):
    client = login()
    response = client.post(f"{BASE}upload/", {"file": upload("clip.mp4", mp4_bytes())}, follow=True)
    assert response.redirect_chain == [(BASE, 302)]
    assert "Uploaded clip.mp4." in response.content.decode()
    missing = client.post(f"{BASE}upload/", {}, follow=True)
    assert "Choose a file to upload." in missing.content.decode()


def test_library_lists_escaped_names_times_in_zone_and_searches(workspace, login, asset):
    MediaAsset.objects.filter(pk=asset.pk).update(created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    services.asset_upload(workspace, upload("logo.png", png_bytes()))
    page = login(Role.VIEWER).get(BASE).content.decode()
    assert "sunset &lt;script&gt;.png" in page and "<script>.png" not in page
    assert 'alt="Sun &lt;img src=x onerror=alert(1)&gt;"' in page
    assert "Uploaded 2026-07-01 12:00" in page and "Europe/Berlin" in page  # CEST is UTC+2
    assert "logo.png" in page
    assert 'id="media-upload"' not in page and "Save alt text" not in page  # viewers read only

    found = login().get(BASE, {"q": "LOGO"}, HTTP_HX_REQUEST="true").content.decode()
    assert "logo.png" in found and "sunset" not in found and not found.lstrip().startswith("<!doctype")


def test_alt_text_edit_over_htmx_and_plain_post(login, asset):
    client = login(Role.COMMUNITY_MANAGER)
    url = f"{BASE}{asset.pk}/alt-text/"
    response = client.post(url, {"alt_text": "A red sun over the sea"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Saved" in response.content.decode()
    asset.refresh_from_db()
    assert asset.alt_text == "A red sun over the sea"

    too_long = client.post(url, {"alt_text": "x" * 1001}, HTTP_HX_REQUEST="true")
    assert too_long.status_code == 400 and "at most 1000 characters" in too_long.content.decode()
    assert client.post(url, {"alt_text": ""}).status_code == 302
    asset.refresh_from_db()
    assert asset.alt_text == ""


def test_files_are_served_to_members_only(login, asset, workspace):
    client = login(Role.VIEWER)
    response = client.get(f"{BASE}{asset.pk}/file/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == media_file(asset.path).read_bytes()
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"].startswith("inline")
    thumb = client.get(f"{BASE}{asset.pk}/thumbnail/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"

    anonymous = Client().get(f"{BASE}{asset.pk}/file/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_video_has_no_thumbnail_but_a_file(login, workspace):
    video = services.asset_upload(workspace, upload("clip.mp4", mp4_bytes()))
    client = login()
    assert client.get(f"{BASE}{video.pk}/thumbnail/").status_code == 404
    assert client.get(f"{BASE}{video.pk}/file/")["Content-Type"] == "video/mp4"
    assert "Play video" in client.get(BASE).content.decode()


def test_picker_filters_by_name_and_kind(login, workspace, asset):
    video = services.asset_upload(workspace, upload("clip.mp4", mp4_bytes()))
    client = login(Role.VIEWER)
    items = client.get(f"{BASE}picker.json").json()["items"]
    assert [item["library"]["id"] for item in items] == [video.pk, asset.pk]
    assert items[1]["path"] == asset.path and items[1]["alt_text"] == "Sun <img src=x onerror=alert(1)>"
    only_videos = client.get(f"{BASE}picker.json", {"kind": "video"}).json()["items"]
    assert [item["library"]["id"] for item in only_videos] == [video.pk]
    assert client.get(f"{BASE}picker.json", {"q": "sunset"}).json()["items"][0]["library"]["id"] == asset.pk


def test_delete_refused_while_scheduled_then_allowed(login, workspace, asset, django_capture_on_commit_callbacks):
    channel = ChannelFactory(workspace=workspace)
    post = PostFactory(workspace=workspace, media=[media_item(asset)])
    delivery = DeliveryFactory(post=post, channel=channel, workspace=workspace, state=DeliveryState.SCHEDULED)
    client = login(Role.ADMIN)
    refused = client.post(f"{BASE}{asset.pk}/delete/", follow=True)
    assert "is used by 1 post(s) that are not published yet" in refused.content.decode()
    assert MediaAsset.objects.filter(pk=asset.pk).exists()

    delivery.state = DeliveryState.PUBLISHED
    delivery.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}{asset.pk}/delete/")
    assert response.status_code == 302 and not MediaAsset.objects.exists()
    assert not media_file(asset.path).exists()


def test_viewers_cannot_write(login, asset):
    client = login(Role.VIEWER)
    assert client.post(f"{BASE}upload/", {"file": upload("a.png", png_bytes())}, **JSON).status_code == 403
    assert client.post(f"{BASE}{asset.pk}/alt-text/", {"alt_text": "mine"}).status_code == 403
    assert client.post(f"{BASE}{asset.pk}/delete/").status_code == 403
    asset.refresh_from_db()
    assert asset.alt_text.startswith("Sun") and MediaAsset.objects.count() == 1


def test_reads_refuse_writes_methods(login, asset):
    client = login()
    assert client.post(BASE).status_code == 405
    assert client.get(f"{BASE}upload/").status_code == 405
    assert client.get(f"{BASE}{asset.pk}/delete/").status_code == 405


def test_other_workspaces_get_404_everywhere(login, asset):
    other = WorkspaceFactory(slug="rival")
    outsider = login(Role.ADMIN, in_workspace=other)
    for url in (BASE, f"{BASE}picker.json", f"{BASE}{asset.pk}/file/", f"{BASE}{asset.pk}/thumbnail/"):
        assert outsider.get(url).status_code == 404, url
    for url in (f"{BASE}upload/", f"{BASE}{asset.pk}/alt-text/", f"{BASE}{asset.pk}/delete/"):
        assert outsider.post(url, {"alt_text": "x"}).status_code == 404, url
    # Their own workspace does not reach our asset by id either.
    for url in (f"/w/rival/media/{asset.pk}/file/", f"/w/rival/media/{asset.pk}/thumbnail/"):
        assert outsider.get(url).status_code == 404, url
    for url in (f"/w/rival/media/{asset.pk}/alt-text/", f"/w/rival/media/{asset.pk}/delete/"):
        assert outsider.post(url, {"alt_text": "x"}).status_code == 404, url
    assert outsider.get("/w/rival/media/picker.json").json() == {"items": []}
    asset.refresh_from_db()
    assert asset.alt_text.startswith("Sun")


def test_search_time_uses_workspace_zone_in_winter(login, workspace, asset):
    with time_machine.travel(datetime(2026, 1, 15, 9, 30, tzinfo=UTC)):
        MediaAsset.objects.filter(pk=asset.pk).update(created_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC))
    assert "Uploaded 2026-01-15 10:30" in login().get(BASE).content.decode()  # CET is UTC+1
