"""Fixtures for the sandbox tests: one real sandbox process per test module, reset per test.

No Django here: these tests talk to the sandbox over real HTTP with ``requests``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from platforms.sandbox.testing import SandboxProcess


class XClient:
    """A thin X API caller with one account's bearer token."""

    def __init__(self, base_url: str, token: str, account_id: str = "") -> None:
        self.base = f"{base_url}/x"
        self.account_id = account_id
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def post(self, text: str | None = None, **body: Any) -> requests.Response:
        if text is not None:
            body["text"] = text
        return self.session.post(f"{self.base}/2/tweets", json=body, timeout=10)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base}{path}", params=params, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(f"{self.base}{path}", timeout=10)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """Shadow the suite-wide autouse fixture of the same name: it configures Django settings,
    and these tests must also run without Django (``pytest tests/sandbox -p no:django``)."""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess() as process:
        yield process


@pytest.fixture
def sb(sandbox: SandboxProcess) -> SandboxProcess:
    """The module's sandbox, reset to its seeded state for this test."""
    sandbox.reset()
    return sandbox


@pytest.fixture
def make_x(sb: SandboxProcess) -> Callable[..., XClient]:
    """``make_x(token)`` or ``make_x(account="name", **mint_options)``: an X client."""

    def make(token: str | None = None, *, account: str = "smo_demo", **mint: Any) -> XClient:
        if token is not None:
            return XClient(sb.base_url, token)
        grant = sb.mint_token("x", account, **mint)
        return XClient(sb.base_url, grant["access_token"], grant["account_id"])

    return make


@pytest.fixture
def demo(make_x: Callable[..., XClient]) -> XClient:
    """An X client acting as the seeded ``smo_demo`` account."""
    return make_x(account="smo_demo")


@pytest.fixture
def fan(make_x: Callable[..., XClient]) -> XClient:
    """An X client acting as the seeded ``sandbox_fan`` account."""
    return make_x(account="sandbox_fan")
