"""Helpers of the role matrix: every URL pattern of the project, and a workspace holding one object of each kind
a URL can name, so a view added later is tested without anyone listing it here.

A URL kwarg `<name>_id` names the model whose model name is `name` or ends with it (`asset_id` ->
MediaAsset, `request_id` -> ApprovalRequest, `job_id` -> ImportJob). Models without a factory are made by
`make_generic`, which fills required fields with plain values and points foreign keys at objects of the same
workspace, so even a model added tomorrow gets a real row to be probed with.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from media.models import MediaAsset
from platforms.models import Notice
from tests.factories import (
    AttemptFactory,
    CampaignFactory,
    ChannelFactory,
    DeliveryFactory,
    MemberFactory,
    PostFactory,
    UserFactory,
)
from workspaces.models import Role, Workspace

WORKSPACE_PREFIX = "w/<slug:slug>/"
FRAMEWORK_APPS = {"admin", "auth", "contenttypes", "sessions", "messages", "staticfiles"}
# Values for string kwargs; anything else gets "x".
STRING_VALUES = {"platform": "x", "fmt": "csv", "pick_id": "not-a-pick"}
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "w/<slug:slug>/posts/<int:post_id>/"
    name: str  # namespaced, e.g. "scheduler:post"
    converters: dict[str, Any]
    callback: Any

    def __str__(self) -> str:
        return self.name or self.route

    @property
    def object_kwargs(self) -> list[str]:
        return [name for name, conv in self.converters.items() if type(conv).__name__ == "IntConverter"]

    def url(self, slug: str, world: World) -> str:
        path = self.route
        for name, converter in self.converters.items():
            if name == "slug":
                value = slug
            elif name in self.object_kwargs:
                value = str(world.object_for(name).pk)
            else:
                value = STRING_VALUES.get(name, "x")
            path = path.replace(f"<{_converter_name(converter)}:{name}>", converter.to_url(value))
        assert "<" not in path, f"could not fill {self.route}"
        return "/" + path


def _converter_name(converter: Any) -> str:
    return {"IntConverter": "int", "StringConverter": "str", "SlugConverter": "slug", "PathConverter": "path",
            "UUIDConverter": "uuid"}.get(type(converter).__name__, type(converter).__name__)


def all_routes(prefix: str = "") -> list[Route]:
    """Every URL pattern whose full route starts with `prefix`, with the kwargs' converters."""

    def walk(patterns: list[Any], base: str, converters: dict[str, Any], namespace: tuple[str, ...]) -> Any:
        for pattern in patterns:
            route = base + str(pattern.pattern)
            found = {**converters, **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route, found,
                                namespace + ((pattern.namespace,) if pattern.namespace else ()))
            elif isinstance(pattern, URLPattern):
                yield Route(route, ":".join((*namespace, pattern.name or "")), found, pattern.callback)

    return [route for route in walk(get_resolver().url_patterns, "", {}, ()) if route.route.startswith(prefix)]


def model_for_kwarg(name: str) -> type[models.Model]:
    stem = name.removesuffix("_id").replace("_", "").lower()
    candidates = [m for m in apps.get_models() if m._meta.app_label not in FRAMEWORK_APPS]
    for match in ([m for m in candidates if m._meta.model_name == stem],
                  [m for m in candidates if m._meta.model_name.endswith(stem)]):
        if len(match) == 1:
            return match[0]
    raise LookupError(f"URL kwarg {name!r}: no single model is called or ends with {stem!r}; name the kwarg after "
                      "its model (e.g. post_id) or teach tests/workspaces/matrix_world.py which model it is.")


@dataclass
class World:
    """One workspace with an object of each kind; `pool` maps a model to its object here."""

    workspace: Workspace
    pool: dict[type[models.Model], models.Model] = field(default_factory=dict)

    def object_for(self, kwarg: str) -> models.Model:
        model = model_for_kwarg(kwarg)
        if model not in self.pool:
            self.pool[model] = make_generic(model, self)
        return self.pool[model]


def build_world(workspace: Workspace) -> World:
    world = World(workspace)
    channel = ChannelFactory(workspace=workspace, platform="x", display_name="Victim on X")
    campaign = CampaignFactory(workspace=workspace)
    post = PostFactory(workspace=workspace, campaign=campaign, text="Victim's secret plan")
    delivery = DeliveryFactory(post=post, channel=channel)
    owner = MemberFactory(workspace=workspace, role=Role.ADMIN)
    asset = MediaAsset.objects.create(workspace=workspace, original_name="victim.png", path="library/0/none.png",
                                      mime_type="image/png", size_bytes=1, uploaded_by=owner.user)
    notice = Notice.objects.create(workspace=workspace, channel=channel, delivery=delivery, kind=_first_choice(
        Notice._meta.get_field("kind")), message="Victim notice")
    attempt = AttemptFactory(delivery=delivery)
    for obj in (channel, campaign, post, delivery, owner, asset, notice, attempt):
        world.pool[type(obj)] = obj
    world.pool[get_user_model()] = owner.user
    return world


def _first_choice(model_field: models.Field) -> Any:
    return model_field.choices[0][0]


def _plain_value(model_field: models.Field) -> Any:
    if model_field.choices:
        return _first_choice(model_field)
    number = next(_numbers)
    simple: list[tuple[type, Any]] = [
        (models.EmailField, f"m{number}@example.com"), (models.URLField, f"https://example.com/{number}"),
        (models.SlugField, f"s-{number}"), (models.CharField, f"x{number}"), (models.TextField, f"text {number}"),
        (models.BooleanField, False), (models.DateTimeField, timezone.now()),
        (models.DateField, date.today()), (models.DurationField, timedelta(minutes=1)),
        (models.DecimalField, Decimal(1)), (models.FloatField, 1.0), (models.IntegerField, number),
        (models.UUIDField, uuid.uuid4()), (models.JSONField, {}), (models.BinaryField, b"x"),
        (models.FileField, f"f{number}.txt"), (models.TimeField, timezone.now().time()),
    ]
    for kind, value in simple:
        if isinstance(model_field, kind):
            return value
    raise TypeError(f"make_generic cannot fill {model_field!r}")


def make_generic(model: type[models.Model], world: World) -> models.Model:
    """A row of `model` in the world's workspace: required fields get plain values, foreign keys point at the
    world's objects (made first when missing)."""
    values: dict[str, Any] = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or getattr(model_field, "auto_now", False) or \
                getattr(model_field, "auto_now_add", False):
            continue
        if model_field.is_relation:
            related = model_field.related_model
            if related is Workspace:
                values[model_field.name] = world.workspace
            elif related in world.pool or not model_field.null:
                if related not in world.pool:
                    world.pool[related] = UserFactory() if related is get_user_model() else make_generic(related,
                                                                                                           world)
                values[model_field.name] = world.pool[related]
            continue
        if model_field.has_default() or model_field.null:
            continue
        values[model_field.name] = _plain_value(model_field)
    return model.objects.create(**values)
