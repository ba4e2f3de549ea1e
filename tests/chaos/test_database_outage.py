"""Proof 6: every PostgreSQL connection of the workers is cut while a batch is publishing."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from scheduler.models import Delivery, DeliveryState
from tests.chaos.helpers import assert_proof, faults, ids_of, make_channel, schedule, wait_settled
from tests.factories import WorkspaceFactory
from tests.harness.proxy import TcpProxy
from tests.harness.stack import with_port

pytestmark = [pytest.mark.services, pytest.mark.chaos, pytest.mark.django_db(transaction=True)]


def published(ids: list[int]) -> int:
    return Delivery.objects.filter(pk__in=ids, state=DeliveryState.PUBLISHED).count()


def test_database_connections_cut_mid_batch(stack, sandbox):
    workspace = WorkspaceFactory()
    channels = [make_channel(sandbox, workspace, f"cut_{n}") for n in range(5)]
    ids = ids_of(schedule(workspace, channels, 10, label="cut"))  # 50 deliveries
    faults(sandbox, {"platform": "x", "match": "POST /2/tweets", "latency_ms": {"mean": 600, "jitter": 300}})
    proxy = TcpProxy("127.0.0.1", urlsplit(stack.config.database_url).port or 5432)
    try:
        through_proxy = {"DATABASE_URL": with_port(stack.config.database_url, proxy.port)}
        stack.start_worker(concurrency=12, env=through_proxy)
        stack.start_dispatcher(loop=True)  # the dispatcher keeps its direct connection
        stack.wait_until(lambda: published(ids) >= 10, 20, what="the batch to be under way")
        cut = [proxy.cut(refuse_for=1.0)]
        in_flight = Delivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING).count()
        stack.wait_until(lambda: proxy.open_connections > 0, 10, what="the workers to reconnect")
        cut.append(proxy.cut(refuse_for=0.5))
        wait_settled(stack, ids, 50)
    finally:
        proxy.close()

    assert cut[0] > 0, "the first cut found no open connection"
    result = assert_proof(sandbox, ids)
    # A cut can land on the commit of the sending claim: the platform never saw that post, the
    # reconciler proves it and the user is told to retry. Everything else must have been published.
    not_found = Delivery.objects.filter(pk__in=ids, state=DeliveryState.FAILED, error_code="not_found").count()
    assert result.get(DeliveryState.PUBLISHED, 0) + not_found == len(ids), (result, f"in flight at cut: {in_flight}")
    assert len(sandbox.creates("x")) == result.get(DeliveryState.PUBLISHED, 0)
