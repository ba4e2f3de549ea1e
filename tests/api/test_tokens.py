"""Tokens: only a hash is stored, the secret is shown once, revoked or orphaned tokens answer 401."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from tests.api.conftest import API
from tests.factories import PASSWORD, MemberFactory
from workspaces.models import Member, Role

pytestmark = [pytest.mark.django_db]


def test_token_secret_is_stored_only_as_its_hash(caller):
    token = ApiToken.objects.get(pk=caller.token.pk)
    assert caller.secret.startswith("smo_") and len(caller.secret) > 40
    assert token.key_hash == hashlib.sha256(caller.secret.encode()).hexdigest()
    assert caller.secret not in {token.key_hash, token.prefix, token.name}
    assert token.prefix == caller.secret[:12]


def test_valid_token_reads_and_records_last_use(caller):
    assert caller.get("/channels/").status_code == 200
    assert ApiToken.objects.get(pk=caller.token.pk).last_used_at is not None


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer smo_wrong", "Bearer a b", "Token smo_x", "Bearer ümlaut"])
def test_missing_or_bad_token_is_401_with_a_bearer_challenge(caller, header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(f"{API}/posts/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert set(response.json()) == {"code", "detail", "errors"}


def test_revoked_token_is_401(caller, client):
    client.login(username=caller.member.user.username, password=PASSWORD)
    response = client.post(f"{API}/tokens/{caller.token.pk}/revoke/")
    assert response.status_code == 302
    answer = caller.get("/channels/")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "This API token is not valid, was revoked, or its owner left the workspace."


def test_token_of_a_member_who_left_is_401(caller):
    Member.objects.filter(pk=caller.member.pk).delete()
    assert caller.get("/channels/").status_code == 401


def test_token_of_a_deactivated_user_is_401(caller):
    caller.member.user.is_active = False
    caller.member.user.save()
    assert caller.get("/channels/").status_code == 401


def test_role_change_leaves_the_token_read_only(caller):
    Member.objects.filter(pk=caller.member.pk).update(role=Role.ADMIN)
    assert caller.get("/posts/").status_code == 200
    response = caller.post("/posts/", {"text": "hi"})
    assert response.status_code == 403


def test_read_only_token_of_a_marketer_cannot_write(make_caller):
    caller = make_caller(role=Role.MARKETER, read_only=True)
    assert caller.token.role == Role.VIEWER
    assert caller.post("/posts/", {"text": "hi"}).status_code == 403
    assert caller.get("/posts/").status_code == 200


def test_tokens_page_creates_a_token_shown_once(client):
    member = MemberFactory(role=Role.MARKETER)
    client.login(username=member.user.username, password=PASSWORD)
    response = client.post(f"{API}/tokens/", {"name": "Zapier", "workspace": member.workspace_id})
    assert response.status_code == 302  # post/redirect/get: a reload cannot create a second token
    response = client.get(f"{API}/tokens/")
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=member.user)
    page = response.content.decode()
    start = page.index('value="smo_') + len('value="')
    secret = page[start:page.index('"', start)]
    assert hashlib.sha256(secret.encode()).hexdigest() == token.key_hash
    assert (token.name, token.workspace_id, token.role) == ("Zapier", member.workspace_id, Role.MARKETER)
    assert secret not in client.get(f"{API}/tokens/").content.decode()  # never again


def test_tokens_page_refuses_a_workspace_the_user_is_not_in(client):
    member = MemberFactory()
    stranger = MemberFactory()
    client.login(username=member.user.username, password=PASSWORD)
    response = client.post(f"{API}/tokens/", {"name": "x", "workspace": stranger.workspace_id})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_tokens_page_escapes_names_and_needs_login(client, caller):
    ApiToken.objects.filter(pk=caller.token.pk).update(name="<script>alert(1)</script>")
    assert client.get(f"{API}/tokens/").status_code == 302
    client.login(username=caller.member.user.username, password=PASSWORD)
    page = client.get(f"{API}/tokens/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_revoking_someone_elses_token_is_404(client, caller, make_caller):
    other = make_caller()
    client.login(username=caller.member.user.username, password=PASSWORD)
    assert client.post(f"{API}/tokens/{other.token.pk}/revoke/").status_code == 404
    assert client.post(f"{API}/tokens/99999999999999999999/revoke/").status_code == 404
    assert other.get("/channels/").status_code == 200
