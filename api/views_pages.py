"""HTML pages of the API: the user's tokens (create, revoke) and a docs page rendered from the OpenAPI schema.

The docs page is server-rendered from drf-spectacular's schema: Swagger UI and Redoc would need their
JavaScript bundles, which are not vendored here, and the API must be documented offline too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import patched_settings

from api.schema import SCHEMA_SETTINGS
from api.tokens import token_create, token_revoke, tokens_of_user
from workspaces.models import Member

METHODS = ("get", "post", "put", "patch", "delete")


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What will use it, e.g. “Zapier” or “export script”."))
    workspace = forms.TypedChoiceField(label=gettext_lazy("Workspace"), coerce=int)
    read_only = forms.BooleanField(label=gettext_lazy("Read-only"), required=False)

    def __init__(self, *args: Any, memberships: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = {m.workspace_id: m for m in memberships}
        self.fields["workspace"].choices = [
            (m.workspace_id, f"{m.workspace.name} ({m.get_role_display()})") for m in memberships
        ]


def _memberships(request: HttpRequest) -> list[Member]:
    return list(Member.objects.filter(user_id=request.user.pk).select_related("workspace")
                .order_by("workspace__name", "pk"))


NEW_TOKEN_KEY = "api_new_token"


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    memberships = _memberships(request)
    form = TokenForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and form.is_valid():
        member = form.memberships[form.cleaned_data["workspace"]]
        try:
            created, secret = token_create(member, form.cleaned_data["name"],
                                           read_only=form.cleaned_data["read_only"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            # Post/redirect/get, so a reload cannot create a second token; the secret waits in the
            # session for exactly one page view.
            request.session[NEW_TOKEN_KEY] = {"id": created.pk, "secret": secret}
            return redirect("api:tokens")
    new = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    user_tokens = tokens_of_user(request.user.pk)
    created = user_tokens.filter(pk=new["id"]).first() if new else None
    context = {"form": form, "tokens": user_tokens, "secret": new["secret"] if created else None, "created": created}
    response = render(request, "api/tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@require_POST
@login_required
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = tokens_of_user(request.user.pk).filter(pk=token_id).first() if token_id < 2**63 else None
    if token is None:
        raise Http404("No such token.")
    token_revoke(token, actor=request.user)
    messages.success(request, _("Token “%(name)s” revoked; it stops working at once.") % {"name": token.name})
    return redirect("api:tokens")


def docs(request: HttpRequest) -> HttpResponse:
    """Every operation of the schema with its parameters and request body fields, readable without JavaScript."""
    with patched_settings(SCHEMA_SETTINGS):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {"method": method.upper(), "path": path, "id": op.get("operationId", ""),
         "summary": op.get("summary") or op.get("description", ""), "parameters": op.get("parameters", []),
         "body": _body_fields(schema, op), "responses": sorted(op.get("responses", {}))}
        for path, item in schema.get("paths", {}).items() for method, op in item.items() if method in METHODS
    ]
    return render(request, "api/docs.html", {"operations": operations, "settings": SCHEMA_SETTINGS})


def _body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> list[tuple[str, str]]:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    component = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {}) if ref else {}
    return [(name, spec.get("type", "object") if isinstance(spec, dict) else "")
            for name, spec in component.get("properties", {}).items()]
