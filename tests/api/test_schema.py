"""The OpenAPI schema and docs page, and a property-based check that no operation answers 500.

The fuzzing walks every operation of the served schema (so new endpoints are covered automatically) and
sends random JSON bodies: arbitrary JSON values, and objects built from the operation's own property names
with arbitrary values. Hypothesis is used instead of schemathesis, which is not installed here.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import API
from tests.factories import CampaignFactory, ChannelFactory, DeliveryFactory, PostFactory
from workspaces.models import Role

pytestmark = [pytest.mark.django_db]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
ID = st.integers(min_value=-5, max_value=2**70) | st.sampled_from(["abc", "", "1.5", "-1"])


def schema_of(client) -> dict:
    response = client.get(f"{API}/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_schema_describes_the_api(caller):
    schema = schema_of(caller.client)
    assert schema["info"]["title"] == "SMO API"
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A personal API token: smo_…"}
    assert set(schema["paths"]) == {f"{API}/{p}" for p in (
        "channels/", "channels/{id}/", "campaigns/", "campaigns/{id}/", "posts/", "posts/{id}/",
        "posts/{id}/schedule/", "posts/{id}/publish-now/", "posts/{id}/retry-failed/", "deliveries/",
        "deliveries/{id}/", "deliveries/{id}/cancel/")}
    operation_ids = [op["operationId"] for item in schema["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids)) and "posts_list" in operation_ids
    assert "results" in json.dumps(schema["components"]["schemas"]["PaginatedPostList"])
    schedule = schema["components"]["schemas"]["ScheduleRequest"]
    assert set(schedule["required"]) == {"channels", "at"}


def test_docs_page_lists_every_operation_offline(client):
    page = client.get(f"{API}/docs/").content.decode()
    for operation in ("GET /api/v1/posts/", "PATCH /api/v1/posts/{id}/", "POST /api/v1/posts/{id}/schedule/",
                      "POST /api/v1/deliveries/{id}/cancel/", "DELETE /api/v1/campaigns/{id}/"):
        method, path = operation.split(" ")
        assert re.search(rf">{method}</span> {re.escape(path)}<", page), operation
    # Nothing from a CDN: every script is the project's own static file.
    assert all(src.startswith("/static/") for src in re.findall(r'<script[^>]*src="([^"]+)"', page))


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("{", "application/json", 400), ('{"text": NaN}', "application/json", 400),
    ("text=hi", "application/x-www-form-urlencoded", 415), ('"\\ud800"', "application/json", 400),
])
def test_malformed_bodies_are_4xx(make_caller, body, content_type, status):
    caller = make_caller(role=Role.ADMIN)
    response = caller.client.generic("POST", f"{API}/posts/", body, content_type=content_type)
    assert response.status_code == status and "detail" in response.json()


def operations(schema: dict) -> list[tuple[str, str, list[str]]]:
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            component = schema["components"]["schemas"].get(ref.get("$ref", "").rsplit("/", 1)[-1], {})
            names = list(component.get("properties", {})) + [p["name"] for p in op.get("parameters", [])]
            found.append((method.upper(), path, names))
    return found


@pytest.fixture
def fuzz_target(make_caller):
    """An admin with one object of each kind (set up once: function fixtures are not reset per example)."""
    caller = make_caller(role=Role.ADMIN)
    channel = ChannelFactory(workspace=caller.workspace, platform="x")
    post = PostFactory(workspace=caller.workspace, campaign=CampaignFactory(workspace=caller.workspace))
    DeliveryFactory(post=post, channel=channel)
    return caller, operations(schema_of(caller.client))


@override_settings(API_THROTTLE_RATE=None)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_no_operation_answers_500_for_random_json(fuzz_target, data):
    caller, ops = fuzz_target
    method, path, names = data.draw(st.sampled_from(ops))
    object_id = str(data.draw(ID | st.integers(min_value=1, max_value=3)))
    path = path.replace("{id}", object_id)
    body = data.draw(JSON | st.dictionaries(st.sampled_from(names or ["x"]), JSON, max_size=len(names) + 1))
    query = data.draw(st.dictionaries(st.sampled_from(names or ["page"]) | st.just("page"), st.text(max_size=12),
                                      max_size=3))
    if method == "GET":
        response = caller.client.get(path, query)
    else:
        response = caller.client.generic(method, path, json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (method, path, body, response.content[:500])
    if object_id.isdigit():  # other ids do not match the URL pattern: Django's own 404 page answers
        assert response.status_code == 204 or response["Content-Type"].startswith("application/json")
