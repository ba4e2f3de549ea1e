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
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from media.selectors import media_item
from media.services import asset_upload
from tests.api.conftest import API
from tests.factories import CampaignFactory, ChannelFactory, DeliveryFactory, PostFactory
from tests.media.conftest import jpeg_with_exif, mp4_bytes, png_bytes, upload
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
        "posts/{id}/schedule/", "posts/{id}/publish-now/", "posts/{id}/retry-failed/", "posts/{id}/queue/",
        "posts/{id}/approval/", "posts/{id}/approval/decide/",
        "deliveries/",
        "deliveries/{id}/", "deliveries/{id}/cancel/", "media/", "media/{id}/",
        "inbox/", "inbox/{id}/", "inbox/{id}/assign/", "inbox/{id}/status/", "inbox/{id}/tags/", "inbox/{id}/reply/")}
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
def fuzz_target(make_caller, settings, tmp_path):
    """An admin with one object of each kind (set up once: function fixtures are not reset per example)."""
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads and deletes touch only this test's files
    caller = make_caller(role=Role.ADMIN)
    channel = ChannelFactory(workspace=caller.workspace, platform="x")
    asset = asset_upload(caller.workspace, upload("a.png", png_bytes()))
    post = PostFactory(workspace=caller.workspace, campaign=CampaignFactory(workspace=caller.workspace),
                       media=[media_item(asset)])  # a pending post uses the file: its delete answers 409
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


def test_media_upload_is_described_as_multipart_with_a_binary_file(caller):
    schema = schema_of(caller.client)
    body = schema["paths"][f"{API}/media/"]["post"]["requestBody"]
    assert body["required"] is True and list(body["content"]) == ["multipart/form-data"]
    upload_form = schema["components"]["schemas"][body["content"]["multipart/form-data"]["schema"]["$ref"]
                                                  .rsplit("/", 1)[-1]]
    assert upload_form["properties"]["file"] == {
        "type": "string", "format": "binary",
        "description": "JPEG, PNG, GIF, WebP, MP4 or MOV. The type is read from the content."}
    assert upload_form["required"] == ["file"] and upload_form["properties"]["alt_text"]["maxLength"] == 1000
    media_item_in = schema["components"]["schemas"]["MediaItemRequest"]["properties"]
    assert {"url", "asset"} <= set(media_item_in) and "path" not in media_item_in  # paths are answered, not taken


def multipart_operations(schema: dict) -> list[tuple[str, str, dict]]:
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            ref = op.get("requestBody", {}).get("content", {}).get("multipart/form-data", {}).get("schema", {})
            if ref:
                component = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
                found.append((method.upper(), path, component["properties"]))
    return found


FILE_BYTES = st.sampled_from([png_bytes(), jpeg_with_exif(), mp4_bytes(), jpeg_with_exif()[:700], b"",
                              b"GIF89a", b"\x00\x00\x00\x18ftypmp42"]) | st.binary(max_size=200)


@override_settings(API_THROTTLE_RATE=None)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_no_multipart_operation_answers_500(fuzz_target, data):
    """Random multipart forms (files of random bytes and names, damaged media, odd text) on every operation
    that takes multipart/form-data, which the JSON fuzz above cannot reach."""
    caller, _ops = fuzz_target
    ops = multipart_operations(schema_of(caller.client))
    assert ops, "no multipart operation in the schema"
    method, path, properties = data.draw(st.sampled_from(ops))
    form = {}
    for name, prop in properties.items():
        if data.draw(st.booleans()):
            continue
        if prop.get("format") == "binary":
            form[name] = upload(data.draw(st.text(max_size=20)) or "x", data.draw(FILE_BYTES))
        else:
            form[name] = data.draw(st.text(max_size=40) | st.just("y" * 1001))
    response = getattr(caller.client, method.lower())(path, form, format="multipart")
    event(f"{method} {path} -> {response.status_code}")  # --hypothesis-show-statistics: uploads do get stored
    assert response.status_code < 500, (method, path, form, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
