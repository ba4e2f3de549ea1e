"""Workspace settings: name, time zone (checked against zoneinfo), language, approval; admins only; audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tests.factories import WorkspaceFactory
from tests.workspaces.conftest import only_event
from workspaces.models import AuditEvent, Role, Workspace
from workspaces.services import workspace_update

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/settings/"


def form(**changes: Any) -> dict[str, Any]:
    data = {"name": "Acme", "time_zone": "Europe/Berlin", "language": "en"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_service_records_only_what_changed(workspace: Workspace, admin: Any) -> None:
    workspace_update(workspace, actor=admin.user, name="Acme", time_zone="America/New_York", language="de",
                     requires_approval=True)
    workspace.refresh_from_db()
    assert (workspace.time_zone, workspace.language, workspace.requires_approval) == ("America/New_York", "de", True)
    event = only_event(workspace, "workspace.updated")
    assert event.details == {"time_zone": {"from": "Europe/Berlin", "to": "America/New_York"},
                             "language": {"from": "en", "to": "de"},
                             "requires_approval": {"from": False, "to": True}}
    workspace_update(workspace, actor=admin.user, name="Acme")  # nothing changed: nothing recorded
    assert AuditEvent.objects.filter(workspace=workspace).count() == 1


@pytest.mark.parametrize("changes,field", [
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"), ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"time_zone": "localtime"}, "time_zone"), ({"time_zone": ""}, "time_zone"),
    ({"language": "fr"}, "language"), ({"name": "   "}, "name"), ({"name": "x" * 121}, "name"),
])
def test_service_refuses_bad_values(workspace: Workspace, admin: Any, changes: dict, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        workspace_update(workspace, actor=admin.user, **changes)
    assert field in refused.value.message_dict
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone, workspace.language) == ("Acme", "Europe/Berlin", "en")
    assert not AuditEvent.objects.exists()


def test_service_refuses_fields_it_does_not_own(workspace: Workspace, admin: Any) -> None:
    with pytest.raises(ValueError, match="slug"):
        workspace_update(workspace, actor=admin.user, slug="hijack")


def test_admin_saves_the_form(admin_client: Client, workspace: Workspace) -> None:
    page = admin_client.get(PAGE)
    assert page.status_code == 200 and 'value="Europe/Berlin"' in page.content.decode()
    assert '<option value="Asia/Tokyo">' in page.content.decode()  # the zone list to pick from
    response = admin_client.post(PAGE, form(name="Acme GmbH", time_zone="Asia/Tokyo", requires_approval="on"),
                                 follow=True)
    assert "Settings saved." in response.content.decode()
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone, workspace.requires_approval) == ("Acme GmbH", "Asia/Tokyo", True)
    admin_client.post(PAGE, form(name="Acme GmbH", time_zone="Asia/Tokyo"))  # unticked: approval off again
    workspace.refresh_from_db()
    assert workspace.requires_approval is False
    assert AuditEvent.objects.filter(workspace=workspace, action="workspace.updated").count() == 2


def test_a_bad_zone_is_explained_and_the_typing_kept(admin_client: Client, workspace: Workspace) -> None:
    response = admin_client.post(PAGE, form(name="New <name>", time_zone="Europe/Berlinn", requires_approval="on"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "“Europe/Berlinn” is not a time zone" in html
    assert 'value="Europe/Berlinn"' in html and 'value="New &lt;name&gt;"' in html
    assert 'name="requires_approval" aria-describedby="approval-help" checked' in html
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone) == ("Acme", "Europe/Berlin")


@pytest.mark.parametrize("role", [Role.MARKETER, Role.COMMUNITY_MANAGER, Role.VIEWER, Role.APPROVER])
def test_only_admins_open_or_change_settings(member_client: Any, workspace: Workspace, role: str) -> None:
    client = member_client(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, form(name="Taken over")).status_code == 403
    workspace.refresh_from_db()
    assert workspace.name == "Acme"


def test_admin_of_another_workspace_gets_404(member_client: Any, workspace: Workspace) -> None:
    outsider = member_client(Role.ADMIN, in_workspace=WorkspaceFactory())
    assert outsider.post(PAGE, form(name="Taken over")).status_code == 404
    workspace.refresh_from_db()
    assert workspace.name == "Acme"
