"""Connecting a Mastodon account on any instance: the instance form, OAuth code flow, verify.

The admin names the instance first (there is no single Mastodon). SMO registers itself there once
(`registration.py`), sends the browser to `{instance}/oauth/authorize`, and carries the instance
through the callback inside the opaque `code_verifier`, which the connect view hands back unchanged.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platforms.errors import AuthExpired, ContentRejected, PlatformError, TransientError
from platforms.http import build_session, rewrite_url
from platforms.mastodon.client import INSTANCE_KEY, Connection
from platforms.mastodon.registration import SCOPES, App, app_for
from platforms.mastodon.text import DEFAULT_MAX_CHARACTERS
from platforms.mastodon.translate import error_detail, translate
from platforms.types import AuthorizationStart, TokenGrant

MAX_CHARACTERS_KEY = "max_characters"
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def normalise_instance(value: str) -> str:
    """"https://host" for what an admin typed ("mastodon.social", "https://mastodon.social/",
    "@me@mastodon.social"); raises ValidationError with a sentence the admin can act on."""
    raw = value.strip().rstrip("/")
    if raw.count("@") and "://" not in raw:
        raw = raw.rsplit("@", 1)[1]  # a full handle: the instance is after the last @
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    if parts.scheme.lower() != "https":
        raise ValidationError(_("SMO connects to Mastodon servers over https only."))
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or parts.username or parts.path or parts.query or parts.fragment or port not in (None, 443):
        raise ValidationError(_("Enter only the server's address, such as mastodon.social."))
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValidationError(_("“%(host)s” is not a valid server name.") % {"host": host}) from None
    instance = f"https://[{host}]" if ":" in host else f"https://{host}"  # an IPv6 literal keeps its brackets
    if instance not in _sandbox_origins():
        _refuse_private(host)
    return instance


def _sandbox_origins() -> set[str]:
    configured = getattr(settings, "PLATFORM_ORIGINS", {}) or {}
    return {origin.rstrip("/").lower() for origin in configured}


def _refuse_private(host: str) -> None:
    """SMO's server will call this host: never let a form aim it at the local network."""
    private = _("SMO does not connect to servers on a private or local network.")
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        raise ValidationError(private)
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise ValidationError(_("SMO could not find a server at %(host)s. Check the address.")
                              % {"host": host}) from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise ValidationError(private)


class MastodonConnectForm(forms.Form):
    instance = forms.CharField(
        label=gettext_lazy("Mastodon server"), max_length=253,
        help_text=gettext_lazy("The address of the server your account is on, such as mastodon.social."),
        widget=forms.TextInput(attrs={"placeholder": "mastodon.social", "autocomplete": "url"}),
    )

    def clean_instance(self) -> str:
        return normalise_instance(self.cleaned_data["instance"])


def start(data: dict[str, Any], redirect_uri: str) -> AuthorizationStart:
    instance = str(data["instance"])
    app = app_for(instance, redirect_uri)
    if not _app_known(app):
        app = app_for(instance, redirect_uri, fresh=True)  # the instance forgot us (reset, cleaned up)
    state = secrets.token_urlsafe(24)
    query = urlencode({"response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri,
                       "scope": SCOPES, "state": state})
    return AuthorizationStart(url=rewrite_url(f"{instance}/oauth/authorize?{query}"), state=state,
                              code_verifier=json.dumps({"instance": instance}))


def _app_known(app: App) -> bool:
    """Whether the instance still knows our app: an app-only token is granted only to known clients."""
    try:
        response = _token_request(app.instance_url, {"grant_type": "client_credentials", "client_id": app.client_id,
                                                      "client_secret": app.client_secret, "scope": "read"})
    except PlatformError:
        return True  # unreachable now: let the authorize page say what is wrong
    return response.status_code != 401


def exchange(code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
    try:
        instance = str(json.loads(code_verifier)["instance"])
    except (ValueError, KeyError, TypeError):
        raise ContentRejected("This Mastodon sign-in lost track of its server; connect again.",
                              platform_code="instance") from None
    app = app_for(instance, redirect_uri)
    response = _token_request(instance, {
        "grant_type": "authorization_code", "code": code, "client_id": app.client_id,
        "client_secret": app.client_secret, "redirect_uri": redirect_uri, "scope": SCOPES})
    body = _json(response)
    if response.status_code == 401 and body.get("error") == "invalid_client":
        app_for(instance, redirect_uri, fresh=True)  # so the next attempt uses an app the instance knows
        raise AuthExpired(f"{instance} no longer knew SMO's app; SMO registered it again. Connect once more.",
                          platform_code="invalid_client")
    if response.status_code >= 500:
        raise TransientError(f"Mastodon at {instance} could not finish the sign-in ({error_detail(response)}); "
                             "try again in a moment.", platform_code=str(response.status_code))
    if response.status_code >= 400 or not body.get("access_token"):
        raise ContentRejected(f"Mastodon did not accept the sign-in ({error_detail(response)}); connect again.",
                              platform_code=str(body.get("error") or response.status_code))
    scopes = tuple(str(body.get("scope") or SCOPES).split())
    extra: dict[str, Any] = {INSTANCE_KEY: instance}
    conn = Connection(instance, str(body["access_token"]), build_session("mastodon"), {})
    extra[MAX_CHARACTERS_KEY] = max_characters(conn)
    return TokenGrant(access_token=str(body["access_token"]), scopes=scopes, extra=extra)


def max_characters(conn: Connection) -> int:
    """The instance's status limit (`GET /api/v2/instance`); Mastodon's default when it does not say."""
    try:
        body = conn.json("GET", "/api/v2/instance")
    except PlatformError as exc:
        if isinstance(exc, AuthExpired):
            raise
        return DEFAULT_MAX_CHARACTERS
    statuses = ((body or {}).get("configuration") or {}).get("statuses") or {}
    try:
        limit = int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS)
    except (TypeError, ValueError):
        return DEFAULT_MAX_CHARACTERS
    return limit if limit > 0 else DEFAULT_MAX_CHARACTERS


def _token_request(instance: str, form: dict[str, str]) -> Any:
    session = build_session("mastodon")
    try:
        return session.post(f"{instance}/oauth/token", data=form, headers={"Accept": "application/json"})
    except Exception as exc:  # noqa: BLE001 - translate() maps requests errors and re-raises the rest
        raise translate(exc, create=False, secrets=[form.get("client_secret", ""), form.get("code", "")]) from None
    finally:
        session.close()


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
