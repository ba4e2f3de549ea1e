"""Sign-in brute-force protection: per account name and per client address, in the cache."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings: Any) -> Iterator[None]:
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    cache.clear()
    yield
    cache.clear()  # the cache outlives the test: no other test may find these names locked


@pytest.fixture
def mia(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user("mia", password="pw-mia-123")


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_right_password_is_refused_once_the_name_is_locked(client: Client, mia: User) -> None:
    for _ in range(3):
        assert sign_in(client, "mia", "wrong").status_code == 200

    refused = sign_in(client, "mia", "pw-mia-123")

    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    assert "Too many failed sign-ins. Try again in 10 minute(s)." in refused.content.decode()


def test_the_lock_is_per_name_in_any_case_and_from_any_address(client: Client, mia: User,
                                                                 django_user_model: type[User]) -> None:
    django_user_model.objects.create_user("leo", password="pw-leo-123")
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        sign_in(client, "MIA", "wrong", address)

    assert "Too many failed" in sign_in(client, "mia", "pw-mia-123", "10.9.9.9").content.decode()
    assert sign_in(client, "leo", "pw-leo-123", "10.9.9.9").status_code == 302


def test_one_address_trying_many_names_is_locked_too(client: Client, mia: User) -> None:
    for number in range(12):  # 4 x LOGIN_MAX_FAILURES, spread so no single name is locked
        sign_in(client, f"guess{number}", "wrong", "10.6.6.6")

    assert "Too many failed" in sign_in(client, "mia", "pw-mia-123", "10.6.6.6").content.decode()
    assert sign_in(client, "mia", "pw-mia-123", "10.7.7.7").status_code == 302


def test_success_forgets_earlier_failures_of_that_name(client: Client, mia: User) -> None:
    for _ in range(2):
        sign_in(client, "mia", "wrong")
    assert sign_in(client, "mia", "pw-mia-123").status_code == 302
    client.logout()
    for _ in range(2):
        sign_in(client, "mia", "wrong")

    assert sign_in(client, "mia", "pw-mia-123").status_code == 302


def test_the_lock_ends_with_its_window(client: Client, mia: User, monkeypatch: pytest.MonkeyPatch) -> None:
    import workspaces.login_throttle as throttle

    start = 1_000_000.0
    monkeypatch.setattr(throttle.time, "time", lambda: start)
    for _ in range(3):
        sign_in(client, "mia", "wrong")
    monkeypatch.setattr(throttle.time, "time", lambda: start + 601)

    assert sign_in(client, "mia", "pw-mia-123").status_code == 302
