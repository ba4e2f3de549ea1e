"""Members: add by username or e-mail, change roles, remove; the last admin stays; every change is audited."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from api.tokens import access_for_secret, token_create
from tests.factories import MemberFactory, UserFactory, WorkspaceFactory
from tests.workspaces.conftest import only_event
from workspaces.models import AuditEvent, Member, Role, Workspace
from workspaces.services import member_add, member_remove, member_set_role

pytestmark = pytest.mark.django_db
PAGE = "/w/acme/members/"


# -- services -------------------------------------------------------------------------------------------


def test_add_by_username_or_email_with_a_role(workspace: Workspace, admin: Member) -> None:
    UserFactory(username="bea", email="Bea@Example.com")
    UserFactory(username="carl")
    by_email = member_add(workspace, "bea@example.COM", Role.APPROVER, actor=admin.user)
    by_name = member_add(workspace, " carl ", Role.VIEWER, actor=admin.user)
    assert (by_email.user.username, by_email.role) == ("bea", Role.APPROVER)
    assert (by_name.user.username, by_name.role) == ("carl", Role.VIEWER)
    added = AuditEvent.objects.filter(workspace=workspace, action="member.added").order_by("pk")
    assert [(e.target_label, e.details, e.actor_label) for e in added] == [
        ("bea", {"role": "approver"}, "ada"), ("carl", {"role": "viewer"}, "ada")]


@pytest.mark.parametrize("identifier,message", [
    ("", "Enter the person's username or e-mail address."),
    ("nobody", "No active account has the username or e-mail address “nobody”"),
    ("twin@example.com", "Several accounts use this e-mail address"),
    ("ada", "ada is already a member of this workspace."),
])
def test_add_refusals_say_why(workspace: Workspace, admin: Member, identifier: str, message: str) -> None:
    UserFactory(username="twin1", email="twin@example.com")
    UserFactory(username="twin2", email="TWIN@example.com")
    with pytest.raises(ValidationError) as refused:
        member_add(workspace, identifier, Role.MARKETER, actor=admin.user)
    assert message in " ".join(refused.value.messages)
    assert not AuditEvent.objects.filter(action="member.added").exists()


def test_inactive_users_and_unknown_roles_are_refused(workspace: Workspace, admin: Member) -> None:
    UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError):
        member_add(workspace, "gone", Role.MARKETER, actor=admin.user)
    UserFactory(username="dan")
    with pytest.raises(ValidationError, match="Pick one of the roles"):
        member_add(workspace, "dan", "owner", actor=admin.user)


def test_role_change_is_recorded_from_and_to(workspace: Workspace, admin: Member) -> None:
    member = MemberFactory(workspace=workspace, role=Role.VIEWER, user=UserFactory(username="vic"))
    member_set_role(member, Role.MARKETER, actor=admin.user)
    member_set_role(member, Role.MARKETER, actor=admin.user)  # no change, no event
    event = only_event(workspace, "member.role_changed")
    assert (event.target_label, event.details) == ("vic", {"role": {"from": "viewer", "to": "marketer"}})
    member.refresh_from_db()
    assert member.role == Role.MARKETER


def test_the_last_admin_cannot_be_demoted_or_removed(workspace: Workspace, admin: Member) -> None:
    with pytest.raises(ValidationError, match="only admin") as demoted:
        member_set_role(admin, Role.VIEWER, actor=admin.user)
    assert demoted.value.code == "last_admin"
    with pytest.raises(ValidationError, match="only admin"):
        member_remove(admin, actor=admin.user)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN
    assert not AuditEvent.objects.filter(workspace=workspace).exists()
    second = MemberFactory(workspace=workspace, role=Role.ADMIN)
    member_set_role(admin, Role.VIEWER, actor=admin.user)  # another admin exists now
    with pytest.raises(ValidationError):
        member_remove(second, actor=admin.user)  # and now that one is the last


def test_an_admin_of_another_workspace_does_not_count(workspace: Workspace, admin: Member) -> None:
    MemberFactory(workspace=WorkspaceFactory(), user=UserFactory(), role=Role.ADMIN)
    with pytest.raises(ValidationError):
        member_remove(admin, actor=admin.user)


def test_removal_is_recorded_and_stops_the_members_api_tokens(workspace: Workspace, admin: Member) -> None:
    member = MemberFactory(workspace=workspace, role=Role.MARKETER, user=UserFactory(username="mo"))
    _token, secret = token_create(member, "script")
    assert access_for_secret(secret) is not None
    member_remove(member, actor=admin.user)
    assert not Member.objects.filter(pk=member.pk).exists()
    assert access_for_secret(secret) is None
    event = only_event(workspace, "member.removed")
    assert (event.target_type, event.target_id, event.target_label) == ("member", str(member.pk), "mo")
    member_remove(member, actor=admin.user)  # already gone: nothing to do
    assert AuditEvent.objects.filter(action="member.removed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_admin(postgres_required: None) -> None:
    workspace = WorkspaceFactory()
    first, second = (MemberFactory(workspace=workspace, role=Role.ADMIN) for _ in range(2))
    barrier, errors = threading.Barrier(2), []

    def demote(member: Member, actor: Any) -> None:
        try:
            barrier.wait()
            member_set_role(member, Role.VIEWER, actor=actor)
        except ValidationError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(first, second.user)),
               threading.Thread(target=demote, args=(second, first.user))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Member.objects.filter(workspace=workspace, role=Role.ADMIN).count() == 1
    assert len(errors) == 1


# -- pages ----------------------------------------------------------------------------------------------


def test_every_member_reads_the_list_but_only_admins_see_the_forms(member_client: Any, admin: Member) -> None:
    viewer = member_client(Role.VIEWER, username="vic", email="vic@example.com")
    page = viewer.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200 and "ada" in html and "vic@example.com" in html
    assert "Add member" not in html and "Change role" not in html
    admin_client = Client()
    admin_client.force_login(admin.user)
    assert "Add member" in admin_client.get(PAGE).content.decode()


def test_admin_adds_changes_and_removes_through_the_page(admin_client: Client, workspace: Workspace) -> None:
    UserFactory(username="bea", email="bea@example.com")
    response = admin_client.post(f"{PAGE}add/", {"identifier": "bea@example.com", "role": Role.MARKETER}, follow=True)
    assert "Added bea as Marketer." in response.content.decode()
    bea = Member.objects.get(workspace=workspace, user__username="bea")
    admin_client.post(f"{PAGE}{bea.pk}/role/", {"role": Role.COMMUNITY_MANAGER})
    bea.refresh_from_db()
    assert bea.role == Role.COMMUNITY_MANAGER
    admin_client.post(f"{PAGE}{bea.pk}/remove/")
    assert not Member.objects.filter(pk=bea.pk).exists()
    actions = list(AuditEvent.objects.filter(workspace=workspace).order_by("pk").values_list("action", flat=True))
    assert actions == ["member.added", "member.role_changed", "member.removed"]


def test_bad_input_keeps_what_was_typed_and_says_why(admin_client: Client, workspace: Workspace,
                                                     admin: Member) -> None:
    response = admin_client.post(f"{PAGE}add/", {"identifier": "<b>nobody</b>", "role": Role.VIEWER})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="&lt;b&gt;nobody&lt;/b&gt;"' in html and "No active account" in html
    assert '<option value="viewer" selected>' in html
    last = admin_client.post(f"{PAGE}{admin.pk}/role/", {"role": Role.VIEWER})
    assert last.status_code == 400 and "only admin of this workspace" in last.content.decode()
    bad_role = admin_client.post(f"{PAGE}{admin.pk}/role/", {"role": "root"})
    assert bad_role.status_code == 400 and "Pick one of the roles" in bad_role.content.decode()
    removal = admin_client.post(f"{PAGE}{admin.pk}/remove/")
    assert removal.status_code == 400 and "cannot be removed" in removal.content.decode()


def test_non_admins_cannot_write(member_client: Any, workspace: Workspace, admin: Member) -> None:
    UserFactory(username="bea")
    for role in (Role.MARKETER, Role.COMMUNITY_MANAGER, Role.VIEWER, Role.APPROVER):
        client = member_client(role)
        assert client.post(f"{PAGE}add/", {"identifier": "bea", "role": Role.ADMIN}).status_code == 403
        assert client.post(f"{PAGE}{admin.pk}/role/", {"role": Role.VIEWER}).status_code == 403
        assert client.post(f"{PAGE}{admin.pk}/remove/").status_code == 403
    assert Member.objects.filter(workspace=workspace, user__username="bea").count() == 0


def test_a_member_of_another_workspace_is_404_under_this_slug(admin_client: Client) -> None:
    foreign = MemberFactory(workspace=WorkspaceFactory(), role=Role.MARKETER)
    assert admin_client.post(f"{PAGE}{foreign.pk}/role/", {"role": Role.VIEWER}).status_code == 404
    assert admin_client.post(f"{PAGE}{foreign.pk}/remove/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.MARKETER


def test_an_admin_who_leaves_lands_on_the_home_page(admin_client: Client, workspace: Workspace) -> None:
    MemberFactory(workspace=workspace, role=Role.ADMIN)
    me = admin_client.member
    response = admin_client.post(f"{PAGE}{me.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert admin_client.get(PAGE).status_code == 404
