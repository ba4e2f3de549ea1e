"""Connecting a Bluesky account: the handle + app-password form and the createSession behind it.

The app password is used once, here, and never stored. The session it buys carries a refresh JWT
(about 90 days, rotated by every refreshSession) that the engine renews ahead of expiry, so a stored
app password would only matter once that refresh token has died. Then the channel goes to
`needs_reconnect` and the admin types a password again: keeping a reusable login secret at rest for
that rare case would widen what a database leak exposes, for a one-minute saving.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_lazy

from platforms.bluesky.client import DEFAULT_PDS, XrpcError, anonymous, jwt_expiry
from platforms.bluesky.translate import translate
from platforms.errors import AuthExpired, NotSupported
from platforms.types import TokenGrant

# Bluesky shows app passwords as four groups of four letters or digits; a looser match (any case, any
# separator spacing) still catches the real mistake: pasting the account's main password.
_APP_PASSWORD = re.compile(r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$", re.IGNORECASE)
_HANDLE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(
        label=gettext_lazy("Bluesky handle"), max_length=253,
        help_text=gettext_lazy("The account's handle, e.g. yourbrand.bsky.social or yourbrand.com (without the @)."))
    app_password = forms.CharField(
        label=gettext_lazy("App password"), max_length=64, strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("Create one in Bluesky under Settings → Privacy and security → App passwords, and "
                               "allow direct messages there if SMO should answer them. Never enter your main "
                               "password. SMO uses the app password once to sign in and does not store it."))

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lstrip("@").lower()
        if not handle.startswith("did:") and not _HANDLE.match(handle):
            raise forms.ValidationError(gettext_lazy("Enter a Bluesky handle such as yourbrand.bsky.social."))
        return handle

    def clean_app_password(self) -> str:
        password = self.cleaned_data["app_password"].strip()
        if not _APP_PASSWORD.match(password):
            raise forms.ValidationError(gettext_lazy(
                "This does not look like a Bluesky app password (four groups of four characters, like "
                "abcd-efgh-ijkl-mnop). Create one in Bluesky's settings; never use your main password."))
        return password.lower()


def _pds_from_did_doc(body: dict[str, Any], fallback: str) -> str:
    """The account's own PDS from the DID document createSession may include, else the host signed in to."""
    services = (body.get("didDoc") or {}).get("service") if isinstance(body.get("didDoc"), dict) else None
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict) and str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = str(service.get("serviceEndpoint") or "")
            if endpoint.startswith("https://"):
                return endpoint.rstrip("/")
    return fallback


def session_grant(body: dict[str, Any], pds: str) -> TokenGrant:
    """A createSession/refreshSession answer as the channel's credentials."""
    access, refresh = str(body.get("accessJwt") or ""), str(body.get("refreshJwt") or "")
    if not access or not body.get("did"):
        raise NotSupported("Bluesky did not return a session for this account; try connecting again.")
    return TokenGrant(access_token=access, refresh_token=refresh, expires_at=jwt_expiry(access),
                      extra={"pds": _pds_from_did_doc(body, pds), "did": str(body["did"]),
                             "handle": str(body.get("handle") or "")})


def create_session(pds: str, identifier: str, app_password: str) -> TokenGrant:
    """Log in with an app password: only at connect time (createSession allows 30 per 5 minutes)."""
    conn = anonymous(pds)
    try:
        body = conn.call("POST", "com.atproto.server.createSession",
                         json={"identifier": identifier, "password": app_password}, headers={"Authorization": ""})
    except XrpcError as exc:
        if exc.error == "AuthFactorTokenRequired":
            raise NotSupported(gettext(
                "Bluesky asks for a sign-in code sent by email for this account. App passwords skip that "
                "step: create an app password in Bluesky's settings and use it here."),
                platform_code=exc.error) from exc
        raise translate(exc, create=False, secrets=(app_password,)) from exc
    except Exception as exc:
        raise translate(exc, create=False, secrets=(app_password,)) from exc
    finally:
        conn.session.close()
    return session_grant(body, conn.pds)


def start_connect(data: dict[str, Any]) -> TokenGrant:
    """The connect form's cleaned data -> a session, with errors worded for the form."""
    try:
        return create_session(DEFAULT_PDS, data["handle"], data["app_password"])
    except AuthExpired as exc:
        raise AuthExpired(gettext("Bluesky did not accept this handle and app password. Check both, or create a "
                                  "new app password in Bluesky's settings."), platform_code=exc.platform_code) from exc
