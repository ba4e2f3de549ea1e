"""The role matrix, over every URL the project has (walked from the resolver, so views added later are covered):

* a member of another workspace gets 404 under /w/<their slug>/ for every page, GET and POST, even with the ids
  of real objects there, and leaves no trace in that workspace;
* under their own slug, ids of another workspace's objects are 404 too (object-level scoping);
* a viewer gets 403/404 for every POST, apart from the few read-only POST endpoints listed below;
* over the API, a token of one workspace gets 404 for every object of another and sees none in any list, and a
  viewer's token cannot write.

A 405 is accepted only when the method is refused to everyone alike (a member of the workspace gets 405 too):
it then reveals nothing about the workspace.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from api.tokens import token_create
from api.views import WorkspaceAPIView
from tests.factories import MemberFactory, WorkspaceFactory
from tests.workspaces.matrix_world import WORKSPACE_PREFIX, Route, World, all_routes, build_world, model_for_kwarg
from workspaces.models import AuditEvent, Role, Workspace

pytestmark = pytest.mark.django_db

# POST endpoints that compute and write nothing, so every member (viewers too) may call them.
READ_ONLY_POSTS = {
    "composer:counter": "the composer's live character counter",
    "composer:preview": "the composer's live previews",
}
API_WRITE_METHODS = ("post", "put", "patch", "delete")

WORKSPACE_ROUTES = all_routes(WORKSPACE_PREFIX)
OBJECT_ROUTES = [route for route in WORKSPACE_ROUTES if route.object_kwargs]


def _api_view(route: Route) -> type | None:
    view = getattr(route.callback, "view_class", None) or getattr(route.callback, "cls", None)
    return view if isinstance(view, type) and issubclass(view, WorkspaceAPIView) else None


API_ROUTES = [route for route in all_routes("api/v1/") if _api_view(route)]


@pytest.fixture
def victim(db: Any) -> World:
    return build_world(WorkspaceFactory(slug="victim", name="Victim"))


@pytest.fixture
def own(db: Any) -> Workspace:
    return WorkspaceFactory(slug="own", name="Own")


def client_as(workspace: Workspace, role: str) -> Client:
    client = Client()
    client.force_login(MemberFactory(workspace=workspace, role=role).user)
    return client


def _call(client: Client, method: str, url: str) -> Any:
    return getattr(client, method)(url)


def _refused_to_all(insider: Client, method: str, url: str) -> bool:
    return _call(insider, method, url).status_code == 405


def test_the_matrix_sees_every_area() -> None:
    """Guards the walk itself: if it found nothing, every other test here would pass vacuously."""
    names = {route.name for route in WORKSPACE_ROUTES}
    assert {"scheduler:post", "platforms:disconnect", "media:delete", "workspace:members",
            "workspace:audit_export", "composer:submit", "calendar:move"} <= names
    assert len(OBJECT_ROUTES) >= 10 and len(API_ROUTES) >= 8


@pytest.mark.parametrize("route", WORKSPACE_ROUTES, ids=str)
def test_a_member_of_another_workspace_gets_404(route: Route, victim: World, own: Workspace) -> None:
    outsider, insider = client_as(own, Role.ADMIN), client_as(victim.workspace, Role.ADMIN)
    url = route.url(victim.workspace.slug, victim)
    for method in ("get", "post"):
        status = _call(outsider, method, url).status_code
        if status == 405 and _refused_to_all(insider, method, url):
            continue
        assert status == 404, f"{method.upper()} {url} ({route}) answered {status} to a member of another workspace"
    assert not AuditEvent.objects.filter(workspace=victim.workspace).exists()
    for obj in victim.pool.values():
        assert type(obj).objects.filter(pk=obj.pk).exists(), f"{route} let an outsider delete {obj!r}"


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=str)
def test_ids_of_another_workspace_are_404_under_ones_own_slug(route: Route, victim: World, own: Workspace) -> None:
    admin = client_as(own, Role.ADMIN)
    url = route.url(own.slug, victim)
    for method in ("get", "post"):
        status = _call(admin, method, url).status_code
        assert status in (404, 405), f"{method.upper()} {url} ({route}) answered {status} for another workspace's ids"
    assert not AuditEvent.objects.filter(workspace=victim.workspace).exists()


@pytest.mark.parametrize("route", WORKSPACE_ROUTES, ids=str)
def test_a_viewer_cannot_post(route: Route, victim: World) -> None:
    viewer = client_as(victim.workspace, Role.VIEWER)
    url = route.url(victim.workspace.slug, victim)
    status = viewer.post(url).status_code
    if route.name in READ_ONLY_POSTS:
        assert status == 200, f"{route} is listed as a read-only POST but answered {status}"
        return
    assert status in (403, 404, 405), f"POST {url} ({route}) answered {status} to a viewer"
    assert not AuditEvent.objects.filter(workspace=victim.workspace).exclude(action="audit.exported").exists()


# -- the API --------------------------------------------------------------------------------------------


def api_client(workspace: Workspace, role: str) -> APIClient:
    member = MemberFactory(workspace=workspace, role=role)
    _token, secret = token_create(member, "matrix")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _api_object(route: Route, world: World) -> Any:
    """The object an API route's <pk> names: its serializer's model, else the path segment before it."""
    model = getattr(getattr(_api_view(route).serializer_class, "Meta", None), "model", None)
    if model is not None:
        return world.pool.get(model) or world.object_for(f"{model._meta.model_name}_id")
    segment = route.route.split("<int:pk>")[0].rstrip("/").rsplit("/", 1)[-1]
    singular = segment[:-3] + "y" if segment.endswith("ies") else segment.removesuffix("s")
    return world.object_for(f"{singular}_id")


def _methods(route: Route) -> list[str]:
    view = _api_view(route)
    return [m for m in ("get", *API_WRITE_METHODS) if m in view.http_method_names and hasattr(view, m)]


def _api_url(route: Route, world: World) -> str:
    path = "/" + route.route
    if "pk" in route.converters:
        path = path.replace("<int:pk>", str(_api_object(route, world).pk))
    assert "<" not in path, f"cannot fill {route.route}"
    return path


@pytest.mark.parametrize("route", [r for r in API_ROUTES if "pk" in r.converters], ids=str)
def test_api_objects_of_another_workspace_are_404(route: Route, victim: World, own: Workspace) -> None:
    client, url = api_client(own, Role.ADMIN), _api_url(route, victim)
    for method in _methods(route):
        status = getattr(client, method)(url, {}, format="json").status_code
        assert status == 404, f"{method.upper()} {url} ({route}) answered {status} to another workspace's token"
    for obj in victim.pool.values():
        assert type(obj).objects.filter(pk=obj.pk).exists(), f"{route} let another workspace delete {obj!r}"


@pytest.mark.parametrize("route", [r for r in API_ROUTES if "pk" not in r.converters], ids=str)
def test_api_lists_show_nothing_of_another_workspace(route: Route, victim: World, own: Workspace) -> None:
    if "get" not in _methods(route):
        pytest.skip(f"{route} has no list")
    response = api_client(own, Role.ADMIN).get("/" + route.route)
    assert response.status_code == 200
    body = response.json()
    assert body.get("results", body) in ([], {}), f"{route} listed another workspace's objects: {body}"


@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_api_viewer_tokens_cannot_write(route: Route, victim: World) -> None:
    client, url = api_client(victim.workspace, Role.VIEWER), _api_url(route, victim)
    for method in _methods(route):
        if method == "get":
            continue
        status = getattr(client, method)(url, {}, format="json").status_code
        assert status == 403, f"{method.upper()} {url} ({route}) answered {status} to a viewer's token"


def test_kwarg_names_map_to_models() -> None:
    assert model_for_kwarg("asset_id")._meta.model_name == "mediaasset"
    assert model_for_kwarg("post_id")._meta.model_name == "post"
    with pytest.raises(LookupError, match="name the kwarg after its model"):
        model_for_kwarg("zebra_id")
