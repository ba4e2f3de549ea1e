"""The audit log page: who may read it, filters, keyset pages, escaping, constant queries and the exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.factories import PostFactory, UserFactory, WorkspaceFactory
from workspaces.audit import audit_record
from workspaces.audit_export import csv_safe
from workspaces.models import AuditEvent, Role, Workspace
from workspaces.selectors import AuditFilters, Cursor, audit_events, audit_page

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/audit/"


def record(workspace: Workspace, action: str, when: datetime, actor: Any = None, **fields: Any) -> AuditEvent:
    with time_machine.travel(when, tick=False):
        return audit_record(workspace=workspace, actor=actor, action=action, **fields)


@pytest.fixture
def log(workspace: Workspace, admin: Any) -> dict[str, AuditEvent]:
    """Events around midnight in Berlin (UTC+2 in summer), by two people and the system."""
    mark = UserFactory(username="mark")
    post = PostFactory(workspace=workspace, text="Summer sale")
    return {
        "late": record(workspace, "post.scheduled", datetime(2030, 7, 1, 21, 30, tzinfo=UTC), mark, target=post,
                       details={"channels": ["Acme X (x)"]}),  # 23:30 on July 1st in Berlin
        "early": record(workspace, "post.cancelled", datetime(2030, 7, 1, 22, 30, tzinfo=UTC), admin.user,
                        target=post),  # 00:30 on July 2nd in Berlin
        "member": record(workspace, "member.added", datetime(2030, 7, 3, 9, 0, tzinfo=UTC), admin.user,
                         target_label="newbie", details={"role": "viewer"}),
        "system": record(workspace, "channel.weird_new_thing", datetime(2030, 7, 4, 9, 0, tzinfo=UTC)),
    }


def shown(response: Any) -> list[int]:
    return [row.event.pk for row in response.context["rows"]]


@pytest.mark.parametrize("role,status", [(Role.ADMIN, 200), (Role.APPROVER, 200), (Role.MARKETER, 403),
                                         (Role.COMMUNITY_MANAGER, 403), (Role.VIEWER, 403)])
def test_only_admins_and_approvers_read_the_log(member_client: Any, role: str, status: int) -> None:
    client = member_client(role)
    assert client.get(PAGE).status_code == status
    assert client.get(f"{PAGE}export.csv").status_code == status


def test_outsiders_and_anonymous_visitors_get_nothing(member_client: Any, workspace: Workspace, log: Any) -> None:
    outsider = member_client(Role.ADMIN, in_workspace=WorkspaceFactory())
    assert outsider.get(PAGE).status_code == 404
    assert outsider.get(f"{PAGE}export.jsonl").status_code == 404
    assert Client().get(PAGE).status_code == 302  # to the sign-in page


def test_page_lists_newest_first_in_the_workspace_zone_with_labels(admin_client: Client, log: Any) -> None:
    response = admin_client.get(PAGE)
    assert shown(response) == [log["system"].pk, log["member"].pk, log["early"].pk, log["late"].pk]
    html = response.content.decode()
    assert "2030-07-02 00:30:00" in html and "2030-07-01 23:30:00" in html  # Berlin wall clock, not UTC
    assert "Post scheduled" in html and "channel.weird_new_thing" in html  # known label, unknown raw
    assert "Acme X (x)" in html and "system" in html


def test_filters_by_actor_action_type_and_text(admin_client: Client, log: Any) -> None:
    assert shown(admin_client.get(PAGE, {"actor": "mark"})) == [log["late"].pk]
    assert shown(admin_client.get(PAGE, {"action": "member.added"})) == [log["member"].pk]
    assert shown(admin_client.get(PAGE, {"type": "post"})) == [log["early"].pk, log["late"].pk]
    assert shown(admin_client.get(PAGE, {"q": "NEWB"})) == [log["member"].pk]
    assert shown(admin_client.get(PAGE, {"actor": "ada", "type": "post"})) == [log["early"].pk]
    choices = admin_client.get(PAGE).context
    assert choices["actors"] == ["ada", "mark", "system"]
    assert ("post.scheduled", "Post scheduled") in choices["actions"]


def test_date_range_uses_the_workspace_days(admin_client: Client, log: Any) -> None:
    # 00:30 Berlin on July 2nd happened at 22:30 UTC on July 1st: it belongs to July 2nd here.
    assert shown(admin_client.get(PAGE, {"from": "2030-07-02", "to": "2030-07-02"})) == [log["early"].pk]
    assert shown(admin_client.get(PAGE, {"to": "2030-07-01"})) == [log["late"].pk]
    assert shown(admin_client.get(PAGE, {"from": "2030-07-03"})) == [log["system"].pk, log["member"].pk]


def test_bad_dates_are_reported_ignored_and_kept(admin_client: Client, log: Any) -> None:
    response = admin_client.get(PAGE, {"from": "2030-13-45", "actor": "mark"})
    assert response.status_code == 200
    assert shown(response) == [log["late"].pk]  # the other filters still apply
    html = response.content.decode()
    assert "Enter a valid date." in html and 'value="2030-13-45"' in html
    reversed_range = admin_client.get(PAGE, {"from": "2030-07-03", "to": "2030-07-01"})
    assert "The end date is before the start date." in reversed_range.content.decode()


def test_untrusted_labels_and_details_are_escaped(admin_client: Client, workspace: Workspace) -> None:
    audit_record(workspace=workspace, actor=None, action="post.created", target_label="<script>alert(1)</script>",
                 details={"<b>key</b>": "<img src=x onerror=alert(2)>"})
    html = admin_client.get(PAGE).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;b&gt;key&lt;/b&gt;" in html


def test_other_workspaces_events_never_show(admin_client: Client, workspace: Workspace) -> None:
    other = WorkspaceFactory()
    audit_record(workspace=other, actor=None, action="post.created", target_label="Their secret plan")
    response = admin_client.get(PAGE, {"q": "secret"})
    assert shown(response) == [] and "Their secret plan" not in response.content.decode()
    assert "Their secret plan" not in b"".join(admin_client.get(f"{PAGE}export.csv").streaming_content).decode()


def test_keyset_pages_walk_forward_and_back(workspace: Workspace) -> None:
    made = [record(workspace, "post.created", datetime(2030, 1, 1, 12, 0, tzinfo=UTC), target_label=f"p{n}")
            for n in range(7)]  # all in the same microsecond: the id breaks the tie
    newest_first = [event.pk for event in reversed(made)]
    first = audit_page(workspace, AuditFilters(), size=3)
    assert [e.pk for e in first.events] == newest_first[:3] and first.newer == "" and first.older
    second = audit_page(workspace, AuditFilters(), after=first.older, size=3)
    third = audit_page(workspace, AuditFilters(), after=second.older, size=3)
    assert [e.pk for e in second.events] == newest_first[3:6]
    assert [e.pk for e in third.events] == newest_first[6:] and third.older == ""
    back = audit_page(workspace, AuditFilters(), before=second.newer, size=3)
    assert [e.pk for e in back.events] == newest_first[:3] and back.newer == ""
    assert audit_page(workspace, AuditFilters(), after="garbage", size=3).events == first.events
    assert Cursor.decode("2030-01-01T12:00:00_5") is None  # naive times are not ours


def test_page_links_keep_the_filters(admin_client: Client, workspace: Workspace) -> None:
    for number in range(55):
        audit_record(workspace=workspace, actor=None, action="media.uploaded", target_label=f"file {number}")
    audit_record(workspace=workspace, actor=None, action="post.created", target_label="not a file")
    first = admin_client.get(PAGE, {"action": "media.uploaded"})
    assert len(first.context["rows"]) == 50 and first.context["newer_url"] == ""
    second = admin_client.get(PAGE + first.context["older_url"])
    assert len(second.context["rows"]) == 5
    assert {row.event.action for row in second.context["rows"]} == {"media.uploaded"}
    assert "action=media.uploaded" in second.context["newer_url"]


def test_the_page_takes_the_same_queries_for_10_or_120_events(admin_client: Client, workspace: Workspace,
                                                             django_assert_max_num_queries: Any) -> None:
    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(PAGE).status_code == 200
        return len(captured)

    for number in range(10):
        audit_record(workspace=workspace, actor=None, action=f"x.action{number % 3}", target_label=str(number))
    small = count_queries()
    for number in range(110):
        audit_record(workspace=workspace, actor=None, action=f"x.action{number % 7}", target_label=str(number))
    assert count_queries() == small
    # Session, user, membership, the page's notices and inbox alerts in the layout, three filter menus, rows.
    with django_assert_max_num_queries(10):
        admin_client.get(PAGE)


# -- exports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("plain", "plain"), ("a=b", "a=b"), (None, ""),
])
def test_csv_cells_cannot_become_formulas(value: Any, expected: str) -> None:
    assert csv_safe(value) == expected


def test_csv_export_streams_the_filtered_log_escaped(admin_client: Client, workspace: Workspace, log: Any) -> None:
    audit_record(workspace=workspace, actor=None, action="media.uploaded", target_label="=cmd|' /C calc'!A0",
                 details={"note": "@evil"})
    response = admin_client.get(f"{PAGE}export.csv", {"type": "post"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-acme-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["time", "actor", "action", "action_label", "object_type", "object_id", "object", "details"]
    assert [row[2] for row in rows[1:]] == ["post.cancelled", "post.scheduled"]  # only the filtered set
    assert rows[2][0] == "2030-07-01T23:30:00+02:00" and rows[2][6] == "Summer sale"
    assert rows[2][7] == "channels: Acme X (x)"

    everything = admin_client.get(f"{PAGE}export.csv")
    text = b"".join(everything.streaming_content).decode("utf-8-sig")
    [row] = [row for row in csv.reader(io.StringIO(text)) if row and row[2] == "media.uploaded"]
    assert row[6] == "'=cmd|' /C calc'!A0" and row[7] == "note: @evil"  # `note:` starts the cell, so it is safe


def test_jsonl_export_and_the_export_itself_is_recorded(admin_client: Client, workspace: Workspace,
                                                        log: Any) -> None:
    response = admin_client.get(f"{PAGE}export.jsonl", {"actor": "mark"})
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert lines == [{"time": "2030-07-01T23:30:00+02:00", "actor": "mark", "action": "post.scheduled",
                      "object_type": "post", "object_id": log["late"].target_id, "object": "Summer sale",
                      "details": {"channels": ["Acme X (x)"]}}]
    exported = AuditEvent.objects.get(workspace=workspace, action="audit.exported")
    assert (exported.actor_label, exported.details) == ("ada", {"format": "jsonl", "actor": "mark"})
    assert admin_client.get(f"{PAGE}export.xml").status_code == 404


def test_selector_is_scoped_to_the_workspace(workspace: Workspace, log: Any) -> None:
    audit_record(workspace=WorkspaceFactory(), actor=None, action="post.created")
    assert audit_events(workspace).count() == 4
