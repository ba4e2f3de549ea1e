"""Every row error the dry run reports, how channels and times are read, and the cost of 10,000 rows."""

from __future__ import annotations

import time as clock
from datetime import UTC, datetime

import pytest
from django.utils import timezone, translation

from imports.parsing import parse_upload
from imports.validation import RowResult, validate_file
from media.models import MediaAsset
from tests.factories import CampaignFactory, ChannelFactory, WorkspaceFactory
from tests.imports.conftest import HEADER, csv_bytes, row

pytestmark = pytest.mark.django_db


def check(workspace, rows, header=None) -> list[RowResult]:
    return validate_file(workspace, parse_upload("t.csv", csv_bytes(rows, header)))


def errors_of(workspace, *rows, header=None) -> list[list[str]]:
    return [result.errors for result in check(workspace, rows, header)]


def test_a_good_row_has_a_plan_in_utc(workspace, x, fb, campaign):
    [result] = check(workspace, [row(channels="x:Acme on X, Acme Page", campaign="spring",
                                     link="https://example.com/a")])
    assert result.errors == []
    plan = result.plan
    assert plan.due_at == datetime(2036, 5, 4, 7, 30, tzinfo=UTC)  # 09:30 CEST
    assert [c.pk for c in plan.channels] == [x.pk, fb.pk]
    assert plan.campaign == campaign and plan.link == "https://example.com/a"


def test_bad_date_and_bad_time(workspace, x):
    assert errors_of(workspace, row(date="05/04/2036"), row(time="25:00"), row(date=""), row(time="")) == [
        ["“05/04/2036” is not a date; write it as 2026-05-04 (or 04.05.2026)."],
        ["“25:00” is not a time of day; write it as 09:30 (24-hour clock)."],
        ["The date is missing."],
        ["The time is missing."],
    ]


@pytest.mark.parametrize(("day", "moment"), [
    ("04.05.2036", "09:30"), ("2036/05/04", "9:30"), ("2036-05-04", "09:30:00"), ("2036-05-04", "9:30 AM"),
    ("2036-05-04", "9.30"), ("2036-05-04", "09:30 Uhr"),
])
def test_accepted_date_and_time_spellings(workspace, x, day, moment):
    [result] = check(workspace, [row(date=day, time=moment)])
    assert result.plan.due_at == datetime(2036, 5, 4, 7, 30, tzinfo=UTC)


def test_past_time_names_the_time_in_the_workspace_zone(workspace, x):
    assert errors_of(workspace, row(date="2020-01-15", time="10:00")) == [
        ["This time (2020-01-15 10:00 CET) is already past. Pick a later time."]]


def test_a_time_in_the_spring_forward_gap_is_an_error(workspace, x):
    # 2036-03-30 02:30 does not exist in Berlin: the clocks jump from 02:00 to 03:00.
    assert errors_of(workspace, row(date="2036-03-30", time="02:30")) == [
        ["02:30 does not exist on 2036-03-30 in Europe/Berlin: the clocks go forward then. Pick another time."]]


def test_a_time_that_happens_twice_means_the_first(workspace, x):
    [result] = check(workspace, [row(date="2036-10-26", time="02:30")])
    assert result.plan.due_at == datetime(2036, 10, 26, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET


def test_datetime_column_with_and_without_offset(workspace, x):
    header = ["datetime", "channels", "text"]
    results = check(workspace, [["2036-01-10 09:30", "x:Acme on X", "a"],
                                ["2036-01-10T09:30:00+05:00", "x:Acme on X", "b"],
                                ["2036-01-10T09:30Z", "x:Acme on X", "c"],
                                ["2036-01-10", "x:Acme on X", "d"]], header)
    assert [r.plan.due_at if r.plan else r.errors for r in results] == [
        datetime(2036, 1, 10, 8, 30, tzinfo=UTC),  # Berlin is UTC+1 in January
        datetime(2036, 1, 10, 4, 30, tzinfo=UTC),
        datetime(2036, 1, 10, 9, 30, tzinfo=UTC),
        ["“2036-01-10” is not a date and time; write it as 2026-05-04 09:30, optionally with an offset such as "
         "+02:00."],
    ]


def test_channels_by_number_name_handle_and_platform_name(workspace, x, fb):
    for reference in (str(x.pk), f"#{x.pk}", "Acme on X", "ACME ON X", "@acme", "acme", "x:acme", "x:Acme on X"):
        [result] = check(workspace, [row(channels=reference)])
        assert [c.pk for c in result.plan.channels] == [x.pk], reference
    [result] = check(workspace, [row(channels="x:Acme on X; Acme Page, acme")])  # duplicates collapse
    assert [c.pk for c in result.plan.channels] == [x.pk, fb.pk]


def test_unknown_missing_and_ambiguous_channels(workspace, x):
    ChannelFactory(workspace=workspace, platform="facebook", display_name="Acme on X", handle="")
    other = ChannelFactory(workspace=WorkspaceFactory(), platform="x", display_name="Elsewhere")
    results = errors_of(workspace, row(channels="Nope"), row(channels=""), row(channels="Acme on X"),
                        row(channels=str(other.pk)), row(channels="facebook:acme"))
    assert results[0] == ["Unknown channel “Nope”. Write a channel's name, its number, or platform:name "
                          "(for example facebook:Acme on X)."]
    assert results[1] == ["No channel is given."]
    assert results[2][0].startswith("“Acme on X” matches several channels (facebook:Acme on X")
    assert results[3][0].startswith(f"Unknown channel “{other.pk}”")  # another workspace's channel is unknown
    assert results[4][0].startswith("Unknown channel “facebook:acme”")


def test_over_the_limit_uses_each_platforms_counting_rule(workspace, x, fb):
    # 270 characters plus a link: fine on Facebook, but X counts the link as 23 (270 + 1 + 23 = 294).
    [errors] = errors_of(workspace, row(text="a" * 270 + " https://example.com/x", channels="x:acme, Acme Page"))
    assert errors == ["Too long for Acme on X: 294 of 280 characters, counted the way X counts them."]
    [errors] = errors_of(workspace, row(text="🎉" * 141, channels="x:acme"))  # an emoji weighs 2 on X
    assert errors == ["Too long for Acme on X: 282 of 280 characters, counted the way X counts them."]
    [errors] = errors_of(workspace, row(text="b" * 63_207, channels="Acme Page"))
    assert errors == ["Too long for Acme Page: 63,207 of 63,206 characters, counted the way Facebook counts them."]


def test_a_platform_text_column_overrides_the_text_for_that_platform(workspace, x, fb):
    header = [*HEADER, "text_x"]
    results = check(workspace, [row(text="f" * 400, channels="acme, Acme Page") + ["Short for X"],
                                row(text="", channels="acme") + ["Only X text"],
                                row(text="", channels="acme, Acme Page") + ["Only X text"]], header)
    assert results[0].errors == [] and results[0].plan.overrides == {"x": "Short for X"}
    assert results[1].errors == []
    assert results[2].errors == ["The text is missing."]  # the page has nothing to post


def test_text_missing(workspace, x):
    assert errors_of(workspace, row(text="   ")) == [["The text is missing."]]


def test_campaign_unknown_archived_and_ambiguous(workspace, x, campaign):
    CampaignFactory(workspace=WorkspaceFactory(), name="Elsewhere")
    archived = CampaignFactory(workspace=workspace, name="Old")
    if hasattr(archived, "archived_at"):
        archived.archived_at = timezone.now()
        archived.save()
    CampaignFactory(workspace=workspace, name="Twice")
    CampaignFactory(workspace=workspace, name="twice")
    results = errors_of(workspace, row(campaign="Elsewhere"), row(campaign="Twice"), row(campaign=" SPRING "))
    assert results[0] == ["There is no campaign called “Elsewhere” in this workspace. Create it first or leave "
                          "the column empty."]
    assert results[1] == ["Several campaigns are called “Twice”; rename one of them first."]
    assert results[2] == []
    if hasattr(archived, "archived_at"):
        assert errors_of(workspace, row(campaign="old")) == [["The campaign “old” is archived."]]


def test_bad_link(workspace, x):
    assert errors_of(workspace, row(link="example.com")) == [
        ["The link “example.com” is not a web address (http:// or https://)."]]


def test_media_numbers(workspace, x, media_root):
    (media_root / "library").mkdir()
    (media_root / "library" / "a.png").write_bytes(_png())
    asset = MediaAsset.objects.create(workspace=workspace, path="library/a.png", original_name="a.png",
                                      mime_type="image/png", size_bytes=100, width=8, height=8)
    foreign = MediaAsset.objects.create(workspace=WorkspaceFactory(), path="library/b.png", original_name="b.png",
                                        mime_type="image/png", size_bytes=100, width=8, height=8)
    results = check(workspace, [row(media=f"{asset.pk}"), row(media="photo.png"), row(media=str(foreign.pk))])
    assert results[0].errors == [] and results[0].plan.media[0]["path"] == "library/a.png"
    assert results[1].errors == ["“photo.png” is not a media library number; list the numbers of the files, for "
                                 "example 12, 15."]
    assert results[2].errors == [f"Media number {foreign.pk} is not in this workspace's media library."]


def test_a_missing_media_file_is_reported_on_the_row(workspace, x):
    asset = MediaAsset.objects.create(workspace=workspace, path="library/gone.png", original_name="gone.png",
                                      mime_type="image/png", size_bytes=100, width=8, height=8)
    [errors] = errors_of(workspace, row(media=str(asset.pk)))
    assert len(errors) == 1 and "gone.png" in errors[0]


def test_more_values_than_columns(workspace, x):
    data = b"date,time,channels,text\n2036-05-04,09:30,acme,Hello,world\n"
    [result] = validate_file(workspace, parse_upload("t.csv", data))
    assert result.errors == ["This row has more values than the header has columns; a value that contains the "
                             "delimiter needs quotes around it."]


def test_messages_follow_the_users_language(workspace, x):
    with translation.override("de"):
        [errors] = errors_of(workspace, row(channels=""))
    with translation.override("en"):
        [english] = errors_of(workspace, row(channels=""))
    assert english == ["No channel is given."]
    assert len(errors) == 1  # German once the catalogue has it; never lost


def test_ten_thousand_rows_validate_in_a_constant_number_of_queries(workspace, x, fb, campaign,
                                                                    django_assert_max_num_queries):
    rows = [row(text=f"Post {n} 🎉 https://example.com/{n}", channels="x:acme, Acme Page", campaign="Spring",
                link="https://example.com/", date="2036-05-04" if n % 2 else "04.05.2036")
            for n in range(10_000)]
    rows[5000] = row(channels="nope")
    parsed = parse_upload("big.csv", csv_bytes(rows))
    started = clock.perf_counter()
    with django_assert_max_num_queries(3):  # channels, campaigns, (media when referenced)
        results = validate_file(workspace, parsed)
    elapsed = clock.perf_counter() - started
    assert sum(1 for r in results if r.plan) == 9_999
    assert results[5000].number == 5002 and results[5000].errors
    assert elapsed < 30, f"10,000 rows took {elapsed:.1f} s"  # a few seconds; generous for a loaded CI machine


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()
