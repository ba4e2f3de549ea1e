"""The content hash: stable for the same content, changed by anything a follower would see, and the diff."""

from __future__ import annotations

import pytest

from approvals.content import content_snapshot, post_content_hash, snapshot_changes
from scheduler.models import Post, Variant
from tests.factories import CampaignFactory, ChannelFactory

pytestmark = [pytest.mark.django_db]


def test_same_content_same_hash_across_reloads(post, x, fb):
    first = post_content_hash(post)
    reloaded = Post.objects.get(pk=post.pk)
    assert post_content_hash(reloaded) == first
    assert post_content_hash(reloaded, [fb, x]) == first  # channel order does not matter
    assert len(first) == 64


def test_what_is_not_published_does_not_change_the_hash(post, x):
    before = post_content_hash(post)
    x.display_name = "Renamed account"
    x.save()
    post.save()  # updated_at moves
    assert post_content_hash(Post.objects.get(pk=post.pk)) == before


def test_media_hash_uses_the_file_not_the_signed_url(post, settings):
    post.media = [{"path": "2026/05/cat.jpg", "alt_text": "A cat", "size_bytes": 10}]
    post.save()
    before = post_content_hash(post)
    settings.SECRET_KEY = "another-key-so-signed-urls-differ"
    assert post_content_hash(post) == before


@pytest.mark.parametrize(("field", "value"), [
    ("text", "Spring launch!"),
    ("link", "https://example.com/spring"),
    ("media", [{"url": "https://cdn.example.com/a.jpg", "alt_text": ""}]),
    ("thread", ["and a second part"]),
    ("first_comment", "first!"),
    ("poll_options", ["yes", "no"]),
])
def test_each_published_field_changes_the_hash(post, field, value):
    before = post_content_hash(post)
    setattr(post, field, value)
    post.save()
    assert post_content_hash(post) != before


def test_alt_text_is_content(post):
    post.media = [{"url": "https://cdn.example.com/a.jpg", "alt_text": "A cat"}]
    before = post_content_hash(post)
    post.media = [{"url": "https://cdn.example.com/a.jpg", "alt_text": "A dog"}]
    assert post_content_hash(post) != before


def test_variant_changes_the_hash_but_one_equal_to_the_base_does_not(post, x):
    before = post_content_hash(post)
    Variant.objects.create(post=post, channel=x, text=post.text)
    assert post_content_hash(post) == before  # the same words go out
    Variant.objects.filter(post=post, channel=x).update(text="Only on X")
    assert post_content_hash(post) != before


def test_channel_set_changes_the_hash(post, x, fb, workspace):
    both = post_content_hash(post)
    assert post_content_hash(post, [x]) != both
    ig = ChannelFactory(workspace=workspace, platform="instagram")
    assert post_content_hash(post, [x, fb, ig]) != both


def test_campaign_tracking_is_part_of_the_link(post, workspace):
    post.link = "https://example.com/spring"
    post.save()
    before = post_content_hash(post)
    post.campaign = CampaignFactory(workspace=workspace, utm_defaults={"utm_source": "{platform}"})
    post.save()
    snapshot = content_snapshot(post)
    assert all("utm_source=" in content["link"] for content in snapshot["published"].values())
    assert post_content_hash(post) != before


def test_changes_are_per_field_with_removed_and_added_lines(post, x):
    old = content_snapshot(post)
    post.text = "Spring launch\nnow with <b>bold</b> claims"
    post.save()
    Variant.objects.create(post=post, channel=x, text="Only on X")
    changes = {c.label: c.lines for c in snapshot_changes(old, content_snapshot(post))}
    assert changes["Text"] == [(" ", "Spring launch"), ("+", "now with <b>bold</b> claims")]
    assert changes["Text for Acme on X"] == [("+", "Only on X")]
    assert set(changes) == {"Text", "Text for Acme on X"}


def test_channel_changes_name_the_channels(post, x, fb):
    old = content_snapshot(post, [x, fb])
    changes = snapshot_changes(old, content_snapshot(post, [x]))
    assert [(c.label, c.lines) for c in changes] == [
        ("Channels", [(" ", "Acme on X (x)"), ("-", "Acme Page (facebook)")])]
