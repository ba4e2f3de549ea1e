"""Browser test: a marketer uploads a photo (progress bar followed), sees its thumbnail and edits its alt text."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from media.models import MediaAsset
from platforms.media_urls import media_file
from tests.factories import PASSWORD, MemberFactory, UserFactory
from tests.media.conftest import GPS_IFD, ORIENTATION
from workspaces.models import Role

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser]


def noisy_jpeg(path: Path) -> Path:
    """About 1 MB that does not compress away, with EXIF that must not survive."""
    image = Image.frombytes("RGB", (700, 500), os.urandom(700 * 500 * 3))
    exif = Image.Exif()
    exif[ORIENTATION] = 1
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (52.0, 31.0, 12.0)})
    image.save(path, "JPEG", quality=95, exif=exif.tobytes())
    return path


@pytest.mark.django_db(transaction=True)
def test_upload_with_progress_and_alt_text(page: Any, live_server: Any, workspace: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    user = UserFactory(username="mia")
    MemberFactory(workspace=workspace, user=user, role=Role.MARKETER)
    photo = noisy_jpeg(tmp_path / "beach day.jpg")

    page.goto(f"{live_server.url}/w/acme/media/")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/w/acme/media/")
    expect(page.get_by_text("No media yet.")).to_be_visible()

    # Slow the upload down so the bar has something to show on a local connection.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 400 * 1024})
    page.get_by_label("Upload images or videos").set_input_files(str(photo))
    page.get_by_role("button", name="Upload", exact=True).click()

    bar = page.get_by_role("progressbar", name="Upload progress")
    expect(bar).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Uploading beach day.jpg")).to_be_visible()
    page.wait_for_function(
        "() => { const v = +document.getElementById('media-progress').getAttribute('aria-valuenow');"
        " return v > 0 && v < 100; }", timeout=10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "media-uploading.png"), full_page=True)
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=20_000)
    expect(page.get_by_text("Uploaded beach day.jpg.")).to_be_visible()
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    asset = MediaAsset.objects.get()
    card = page.locator(f"#asset-{asset.pk}")
    expect(card.get_by_role("heading", name="beach day.jpg")).to_be_visible()
    thumb = card.locator("img")
    expect(thumb).to_have_attribute("src", f"/w/acme/media/{asset.pk}/thumbnail/")
    page.wait_for_function(f"() => document.querySelector('#asset-{asset.pk} img').naturalWidth === 320")
    with Image.open(media_file(asset.path)) as stored:
        assert not stored.getexif().get_ifd(GPS_IFD)

    # Keyboard only: type the alt text, tab to its button, press Enter; htmx swaps the card in place.
    card.get_by_label("Alt text").focus()
    page.keyboard.type("Two friends on a beach <at sunset>")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Save alt text")).to_be_focused()
    page.keyboard.press("Enter")
    expect(card.get_by_text("Saved")).to_be_visible()
    expect(card.locator("img")).to_have_attribute("alt", "Two friends on a beach <at sunset>")
    asset.refresh_from_db()
    assert asset.alt_text == "Two friends on a beach <at sunset>"

    page.reload()
    expect(page.locator(f"#asset-{asset.pk}").get_by_label("Alt text")).to_have_value(
        "Two friends on a beach <at sunset>")
    page.screenshot(path=str(ARTIFACTS / "media-library.png"), full_page=True)
