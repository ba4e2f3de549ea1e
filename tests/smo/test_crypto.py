"""Credentials are encrypted at rest and survive key rotation."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from platforms.models import Channel
from smo import crypto
from workspaces.models import Workspace

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SECRET = "access-token-that-must-never-be-stored-in-clear"


def raw_credentials(channel: Channel) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM platforms_channel WHERE id = %s", [channel.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def channel(settings) -> Channel:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    return Channel.objects.create(
        workspace=workspace, platform="x", external_id="1", display_name="Acme",
        credentials={"access_token": SECRET, "refresh_token": "r"},
    )


@pytest.mark.django_db
def test_credentials_are_stored_encrypted(channel: Channel) -> None:
    stored = raw_credentials(channel)
    assert SECRET not in stored
    assert Fernet(OLD_KEY.encode()).decrypt(stored.encode())
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


@pytest.mark.django_db
def test_old_key_ciphertext_still_decrypts_after_adding_a_new_key(channel: Channel, settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


@pytest.mark.django_db
def test_rotation_rewrites_every_row_with_the_newest_key(channel: Channel, settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    before = raw_credentials(channel)
    output = io.StringIO()
    call_command("rotate_encryption_keys", stdout=output)
    assert "Re-encrypted credentials of 1 channel(s)." in output.getvalue()
    after = raw_credentials(channel)
    assert after != before
    assert Fernet(NEW_KEY.encode()).decrypt(after.encode())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key can now be dropped
    assert Channel.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


@pytest.mark.django_db
def test_rotation_stops_with_a_clear_error_when_a_row_matches_no_key(channel: Channel, settings) -> None:
    from django.core.management.base import CommandError

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(CommandError, match="match none of FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_encryption_keys")


def test_decrypting_with_unknown_key_raises_without_leaking(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    token = crypto.encrypt(SECRET.encode())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DecryptionError) as error:
        crypto.decrypt(token)
    assert SECRET not in str(error.value)
