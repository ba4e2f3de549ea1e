"""Playing the user's browser on the sandbox's OAuth consent page."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import requests

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_ACTION = re.compile(r'<form method="post" action="([^"]+)">')


def sandbox_decide(authorize_url: str, username: str, decision: str = "approve") -> str:
    """Play the user on the sandbox's consent page; returns where it redirects the browser."""
    page = requests.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
    action = html.unescape(_ACTION.search(page.text).group(1))
    answer = requests.post(urljoin(authorize_url, action), data={**fields, "username": username, "decision": decision},
                           allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["Location"]

