"""SMO's app on each Mastodon instance: registered with `POST /api/v1/apps` the first time an instance is
used, stored (secret encrypted) in `MastodonApp`, reused afterwards.

Two workers connecting the first accounts of one instance at once may both register; the unique
instance_url decides which registration is kept, and the loser uses the winner's app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from platforms.errors import ContentRejected, TransientError
from platforms.http import build_session
from platforms.mastodon.translate import error_detail, translate

SCOPES = "read write"
CLIENT_NAME = "SMO"


@dataclass(frozen=True)
class App:
    instance_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scopes: str


def app_for(instance: str, redirect_uri: str, *, fresh: bool = False) -> App:
    """The registered app for this instance and redirect URI; registers one when there is none yet,
    when SMO's callback address changed, or (`fresh`) when the instance forgot the one we had."""
    from platforms.models import MastodonApp

    stored = MastodonApp.objects.filter(instance_url=instance).first()
    if stored is not None and stored.redirect_uri == redirect_uri and not fresh:
        return _as_app(stored)
    registered = register(instance, redirect_uri)
    values = {"client_id": registered.client_id, "secrets": {"client_secret": registered.client_secret},
              "redirect_uri": redirect_uri, "scopes": registered.scopes}
    if stored is not None:
        MastodonApp.objects.filter(pk=stored.pk).update(**values)
        return registered
    try:
        with transaction.atomic():
            MastodonApp.objects.create(instance_url=instance, **values)
    except IntegrityError:
        # Someone registered this instance at the same moment: use theirs, so every channel shares one app.
        return _as_app(MastodonApp.objects.get(instance_url=instance))
    return registered


def _as_app(stored: Any) -> App:
    return App(stored.instance_url, stored.client_id, str((stored.secrets or {}).get("client_secret", "")),
               stored.redirect_uri, stored.scopes)


def register(instance: str, redirect_uri: str) -> App:
    session = build_session("mastodon")
    form = {"client_name": CLIENT_NAME, "redirect_uris": redirect_uri, "scopes": SCOPES}
    website = getattr(settings, "MASTODON_APP_WEBSITE", "")  # shown on the instance's authorize page
    if website:
        form["website"] = website
    try:
        response = session.post(f"{instance}/api/v1/apps", data=form)
    except Exception as exc:  # noqa: BLE001 - translate() maps requests errors and re-raises the rest
        raise translate(exc, create=False) from None
    finally:
        session.close()
    if response.status_code >= 500:
        raise TransientError(f"Mastodon at {instance} could not register SMO right now ({error_detail(response)}); "
                             "try again in a moment.", platform_code=str(response.status_code))
    try:
        body = response.json() if response.status_code < 400 else {}
    except ValueError:
        body = {}
    if not body.get("client_id") or not body.get("client_secret"):
        raise ContentRejected(f"{instance} did not accept SMO as an app ({error_detail(response)}). "
                              "Is it a Mastodon server?", platform_code="app-registration")
    return App(instance, str(body["client_id"]), str(body["client_secret"]), redirect_uri, SCOPES)
